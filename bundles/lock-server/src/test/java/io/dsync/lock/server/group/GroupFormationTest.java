package io.dsync.lock.server.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group formation decided from a scripted registry and group probe: every path a lock node can take when its member
 * starts, without Ratis, Redis or sleeping.
 */
class GroupFormationTest {

    @TempDir
    Path dir;

    /** The registry's lock nodes after each pause: the last script step repeats. */
    private final Deque<Supplier<Map<String, InetSocketAddress>>> registry = new ArrayDeque<>();

    /** The probe's answers, one per call: the last repeats. */
    private final Deque<Optional<Map<String, InetSocketAddress>>> probeAnswers = new ArrayDeque<>();

    private final List<Map<String, InetSocketAddress>> probed = new ArrayList<>();
    private final List<String> statuses = new ArrayList<>();
    private int pauses;

    private static InetSocketAddress addr(String id) {
        return InetSocketAddress.createUnresolved("host-" + id, 9300);
    }

    private static Map<String, InetSocketAddress> nodes(String... ids) {
        Map<String, InetSocketAddress> m = new TreeMap<>();
        for (String id : ids) {
            m.put(id, addr(id));
        }
        return m;
    }

    private void registryListsAfterPauses(Map<String, InetSocketAddress> nodes) {
        registry.add(() -> nodes);
    }

    private GroupFormation formation(String self, int initialMembers) {
        return formation(self, initialMembers, (proposed, registered) -> proposed);
    }

    private GroupFormation formation(String self, int initialMembers, GroupFormation.Agreement agreement) {
        return new GroupFormation(self, InetSocketAddress.createUnresolved("advertised-" + self, 1), initialMembers,
                new MembersFile(dir), () -> {
                    Supplier<Map<String, InetSocketAddress>> step = registry.size() > 1 ? registry.peekFirst() : registry.peekLast();
                    return step.get();
                }, agreement, candidates -> {
                    probed.add(candidates);
                    return probeAnswers.size() > 1 ? probeAnswers.pollFirst() : probeAnswers.peekFirst();
                }, d -> {
                    pauses++;
                    if (registry.size() > 1) {
                        registry.pollFirst();
                    }
                }, statuses::add, () -> pauses * 1_000_000_000L);
    }

    @Test
    void theFirstNodesByIdFormTheGroupOnceEnoughAreRegistered() throws Exception {
        registryListsAfterPauses(nodes("n2", "n1"));
        registryListsAfterPauses(nodes("n3", "n1", "n2", "n4"));
        probeAnswers.add(Optional.empty());

        GroupFormation.Plan plan = formation("n1", 3).plan();

        assertEquals(new GroupFormation.Plan.Start(nodes("n1", "n2", "n3")), plan);
        assertEquals(List.of("n1", "n2", "n3"), List.copyOf(((GroupFormation.Plan.Start) plan).peers().keySet()),
                "in id order, the same on every node");
        assertTrue(statuses.contains("waiting for 3 lock nodes in the registry, found [n1, n2]"), statuses.toString());
        assertEquals(List.of(nodes("n2", "n3", "n4")), probed, "asked the others once whether the group runs");
    }

    @Test
    void nodesThatSawDifferentFirstOnesFormTheGroupThatWasProposedFirst() throws Exception {
        // Five lock nodes start at once (--scale lock-manager=5 on an empty cluster): n1 reads the registry when n3 is
        // not in it yet, n3 when n4 and n5 are not. Each would take its own first three: two groups under one id.
        Map<String, Map<String, InetSocketAddress>> stored = new HashMap<>();
        GroupFormation.Agreement redis = (proposed, registered) -> stored.computeIfAbsent("formation", k -> proposed);
        probeAnswers.add(Optional.empty());
        registryListsAfterPauses(nodes("n1", "n2", "n4", "n5"));
        GroupFormation.Plan first = formation("n1", 3, redis).plan();
        registry.clear();
        registryListsAfterPauses(nodes("n1", "n2", "n3"));
        probeAnswers.clear();
        probeAnswers.add(Optional.empty()); // nobody runs the group yet when n3 decides: it would have formed its own
        probeAnswers.add(Optional.of(nodes("n1", "n2", "n4"))); // then n1, n2 and n4 run it
        GroupFormation.Plan second = formation("n3", 3, redis).plan();

        assertEquals(new GroupFormation.Plan.Start(nodes("n1", "n2", "n4")), first);
        Map<String, InetSocketAddress> joined = new LinkedHashMap<>(nodes("n1", "n2", "n4"));
        joined.put("n3", addr("n3"));
        assertEquals(new GroupFormation.Plan.Join(joined), second, "n3 is not one of the agreed first ones: it joins");
    }

    @Test
    void aNodeBeyondTheFirstOnesWaitsForTheGroupToRunThenJoinsIt() throws Exception {
        registryListsAfterPauses(nodes("n1", "n2", "n3", "n4"));
        probeAnswers.add(Optional.empty());
        probeAnswers.add(Optional.empty());
        probeAnswers.add(Optional.of(nodes("n1", "n2", "n3")));

        GroupFormation.Plan plan = formation("n4", 3).plan();

        Map<String, InetSocketAddress> expected = new LinkedHashMap<>(nodes("n1", "n2", "n3"));
        expected.put("n4", addr("n4"));
        assertEquals(new GroupFormation.Plan.Join(expected), plan);
        assertEquals(2, pauses, "waited for the group twice");
        assertTrue(statuses.contains("waiting for the lock group [n1, n2, n3] to run, to join it"), statuses.toString());
    }

    @Test
    void aNodeThatIsNotRegisteredYetJoinsAtItsAdvertisedAddress() throws Exception {
        registryListsAfterPauses(nodes("n1", "n2", "n3"));
        probeAnswers.add(Optional.of(nodes("n1", "n2", "n3")));

        GroupFormation.Plan plan = formation("n9", 3).plan();

        GroupFormation.Plan.Join join = assertInstanceOf(GroupFormation.Plan.Join.class, plan);
        assertEquals(InetSocketAddress.createUnresolved("advertised-n9", 1), join.peers().get("n9"));
    }

    @Test
    void oneOfTheFirstNodesThatStartsLateTakesTheRunningConfiguration() throws Exception {
        registryListsAfterPauses(nodes("n1", "n2", "n3"));
        probeAnswers.add(Optional.of(nodes("n1", "n2", "n3", "n5")));

        assertEquals(new GroupFormation.Plan.Start(nodes("n1", "n2", "n3", "n5")), formation("n2", 3).plan());
        assertEquals(0, pauses);
    }

    @Test
    void aRestartUsesTheMembersFileWithoutTheRegistry() throws Exception {
        new MembersFile(dir).saveIfAbsent(nodes("n1", "n2", "n3"));
        registry.add(() -> {
            throw new IllegalStateException("Redis is down");
        });

        assertEquals(new GroupFormation.Plan.Start(nodes("n1", "n2", "n3")), formation("n1", 3).plan());
        assertEquals(List.of(), probed, "nobody to ask while the registry is down");
        assertTrue(statuses.contains("waiting for the registry: Redis is down"), statuses.toString());
    }

    @Test
    void aMemberRemovedFromTheRunningGroupStaysOut() throws Exception {
        new MembersFile(dir).saveIfAbsent(nodes("n1", "n2", "n3"));
        registryListsAfterPauses(nodes("n1", "n2", "n3", "n4"));
        probeAnswers.add(Optional.of(nodes("n2", "n3", "n4")));

        assertEquals(new GroupFormation.Plan.Removed(nodes("n2", "n3", "n4")), formation("n1", 3).plan());
    }

    @Test
    void aRestartedMemberStillListedStartsWithItsFile() throws Exception {
        new MembersFile(dir).saveIfAbsent(nodes("n1", "n2", "n3"));
        registryListsAfterPauses(nodes("n1", "n2", "n3"));
        probeAnswers.add(Optional.of(nodes("n1", "n2", "n3", "n4")));

        assertEquals(new GroupFormation.Plan.Start(nodes("n1", "n2", "n3")), formation("n1", 3).plan(),
                "later membership changes come from the log, not from the file");
    }

    @Test
    void anUnreadableRegistryIsWaitedOutAndSaidInTheStatus() throws Exception {
        registry.add(() -> {
            throw new IllegalStateException("connection refused");
        });
        registryListsAfterPauses(nodes("n1"));
        probeAnswers.add(Optional.empty());

        assertEquals(new GroupFormation.Plan.Start(nodes("n1")), formation("n1", 1).plan());
        assertTrue(statuses.contains("waiting for the registry: connection refused"), statuses.toString());
    }

    @Test
    void stoppingTheMemberInterruptsTheWait() {
        registryListsAfterPauses(nodes());
        GroupFormation formation = new GroupFormation("n1", addr("n1"), 3, new MembersFile(dir), () -> nodes(),
                candidates -> Optional.empty(), d -> {
                    throw new InterruptedException();
                }, s -> { }, System::nanoTime);
        assertThrows(InterruptedException.class, formation::plan);
    }

    @Test
    void theMembersFileIsWrittenOnceAndReadBack() throws IOException {
        MembersFile file = new MembersFile(dir);
        assertEquals(Optional.empty(), file.load());
        Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
        peers.put("a", new InetSocketAddress("10.0.0.1", 9300));
        peers.put("b", new InetSocketAddress("10.0.0.2", 9301));
        file.saveIfAbsent(peers);
        file.saveIfAbsent(nodes("x"));
        assertEquals(Optional.of(peers), file.load().map(LinkedHashMap::new));
        Files.writeString(dir.resolve("members.properties"), "a=no-port\n");
        IOException e = assertThrows(IOException.class, file::load);
        assertTrue(e.getMessage().contains("member 'a' is not host:port"), e.getMessage());
    }
}
