// Tests for RecLabEval are added by the issue that builds it.
