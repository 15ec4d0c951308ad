// Tests for RecLabStrategies are added by the issue that builds it.
