// PLACEHOLDER: replaced by the issue that benchmarks this area.
func benchImport() throws {
    print("  (no Import benchmark yet)")
}
