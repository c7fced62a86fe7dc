/**
 * Scenarios: many clients run a workload for a while, faults strike at chosen moments, the recorded history goes to
 * the checkers, and the report gives the verdicts and the recovery time of each fault.
 *
 * <pre>{@code
 * ScenarioReport report = Scenario.builder("lock failover")
 *         .clients(16).duration(Duration.ofSeconds(20))
 *         .workload(ctx -> ctx.call(LockOps.acquire(...), () -> client.acquire(...)))
 *         .fault(Duration.ofSeconds(5), "kill the leader", () -> cluster.node(leader).kill())
 *         .fault(Duration.ofSeconds(10), "partition 2|1", () -> ...)
 *         .fault(Duration.ofSeconds(15), "heal", cluster::healAll)
 *         .checker(new MutualExclusionChecker())
 *         .run();
 * assertThat(report.valid()).as(report.summary()).isTrue();
 * }</pre>
 */
package io.dsync.testkit.scenario;
