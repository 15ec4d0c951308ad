// RecLabStats: distributions and tests.
