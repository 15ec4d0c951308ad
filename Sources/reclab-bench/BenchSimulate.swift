// PLACEHOLDER: replaced by the issue that benchmarks this area.
func benchSimulate() throws {
    print("  (no Simulate benchmark yet)")
}
