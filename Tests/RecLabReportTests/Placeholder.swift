// Tests for RecLabReport are added by the issue that builds it.
