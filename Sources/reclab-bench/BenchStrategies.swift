// PLACEHOLDER: replaced by the issue that benchmarks this area.
func benchStrategies() throws {
    print("  (no Strategies benchmark yet)")
}
