// PLACEHOLDER: replaced by the issue that benchmarks this area.
func benchGenerate() throws {
    print("  (no Generate benchmark yet)")
}
