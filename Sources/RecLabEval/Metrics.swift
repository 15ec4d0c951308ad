// RecLabEval: metrics and runner.
