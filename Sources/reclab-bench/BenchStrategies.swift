// Strategy benchmarks: each strategy engineer adds a function and calls it here.
func benchStrategies() throws {
    try benchFactorStrategies()
}
