// Tests for RecLabStats are added by the issue that builds it.
