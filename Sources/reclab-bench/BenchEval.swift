// PLACEHOLDER: replaced by the issue that benchmarks this area.
func benchEval() throws {
    print("  (no Eval benchmark yet)")
}
