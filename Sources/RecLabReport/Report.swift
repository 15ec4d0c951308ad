// RecLabReport: reports and charts.
