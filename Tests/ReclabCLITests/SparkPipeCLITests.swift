import Foundation
import RecLabTestSupport
import XCTest

/// spark/reclab_pipe.py for real: a plan of the tiny experiment run on a local Spark master (`local[2]`,
/// units piped into `reclab run-unit --stdin` by RDD.pipe), then gathered; the metrics.json equals the
/// single-machine `reclab run experiments/tiny.yaml` result (Tests/Golden/metrics.json, which
/// GoldenOutputsCLITests checks `reclab run` still writes). Skipped, with the reason, only when pyspark or
/// Java is not installed here (.ci/ensure-deps.sh installs pyspark in CI).
final class SparkPipeCLITests: XCTestCase {
    func python(_ code: String) throws -> TestSupport.CommandResult {
        try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", code])
    }

    func testPlanRunsOnLocalSparkAndGathersTheSingleMachineMetrics() throws {
        let hasPyspark = (try? python("import pyspark"))?.status == 0
        guard hasPyspark else { throw XCTSkip("pyspark is not installed for python3 (python3 -m pip install pyspark; .ci/ensure-deps.sh does)") }
        let java = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"), ["java", "-version"])
        guard java.status == 0 else { throw XCTSkip("no java on PATH: Spark needs a Java runtime (17)") }

        let root = TestSupport.packageRoot
        let dir = try TestSupport.temporaryDirectory(self)
        let plan = dir.appendingPathComponent("plan"), out = dir.appendingPathComponent("out")
        let planned = try TestSupport.runReclab(["plan", "experiments/tiny.yaml", "--out", plan.path, "--quiet"], currentDirectory: root)
        XCTAssertEqual(planned.status, 0, planned.stderr)

        let r = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"),
                                    ["python3", "spark/reclab_pipe.py", plan.path, "--master", "local[2]", "--partitions", "2",
                                     "--reclab", TestSupport.reclabBinary.path, "--workdir", root.path, "--out", out.path,
                                     // A quicker JVM start for a short job (no optimising JIT, serial GC).
                                     "--conf", "spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"],
                                    environment: ["SPARK_LOCAL_IP": "127.0.0.1"], currentDirectory: root)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr.suffix(3000))
        // Every unit reported back through the pipe, each once.
        let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("unit ") }
        XCTAssertEqual(lines.count, 5, r.stdout)
        XCTAssertEqual(Set(lines.map { $0.split(separator: " ")[1] }), ["0", "1", "2", "3", "4"])

        let gathered = try String(contentsOf: out.appendingPathComponent("metrics.json"), encoding: .utf8)
        let golden = try String(contentsOf: root.appendingPathComponent("Tests/Golden/metrics.json"), encoding: .utf8)
        XCTAssertEqual(ShardedRunCLITests.stable(gathered), ShardedRunCLITests.stable(golden))

        // --resume with every unit done starts no Spark job and gathers again.
        let resumed = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"),
                                          ["python3", "spark/reclab_pipe.py", plan.path, "--resume", "--reclab", TestSupport.reclabBinary.path,
                                           "--workdir", root.path, "--out", out.path], currentDirectory: root)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertFalse(resumed.stdout.contains("unit 0 "), resumed.stdout)
    }
}
