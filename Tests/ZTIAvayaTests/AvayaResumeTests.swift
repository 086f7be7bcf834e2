import Testing
import ZTIAvaya
import ZTICore

/// The Avaya tracker taking over the spool's open lifecycles (`OPEN`) as a pure function: stored lifecycles go on
/// with their ids and times, gone legs close at their last known time, unmatched legs are adopted without an
/// invented ringing, and a late `OPEN` holds back the calls already up.
struct AvayaResumeTests {
    typealias Run = AvayaCallTrackerTests.Run
    typealias T = AvayaCallTrackerTests

    static let window: Duration = .seconds(600)

    /// What the spool would answer after `run`: the last event of each lifecycle without a final, with its resume
    /// key, and every attempt.
    static func open(after run: Run, keys: [String: String]) -> OpenLifecycles {
        var last: [String: CallEvent] = [:]
        var finals: Set<String> = []
        for event in run.events {
            let lifecycle = "\(event.callId)/\(event.extension)/\(event.attempt)"
            if event.state.isTerminal { finals.insert(lifecycle) } else { last[lifecycle] = event }
        }
        let open = last.filter { !finals.contains($0.key) }.values.sorted { $0.at < $1.at }
        var attempts: [String: OpenLifecycles.Attempt] = [:]
        for event in run.events {
            let lifecycle = "\(event.callId)/\(event.extension)/\(event.attempt)"
            attempts[lifecycle] = .init(
                callId: event.callId, extension: event.extension, attempt: event.attempt,
                final: finals.contains(lifecycle), resumeKey: keys[event.id])
        }
        return OpenLifecycles(
            group: "sales", lifecycles: open.map { .init(event: $0, resumeKey: keys[$0.id]) },
            attempts: attempts.values.sorted { $0.callId + $0.extension < $1.callId + $1.extension })
    }

    /// Feeds `event` and keeps the resume keys of what it emitted.
    static func feed(_ run: inout Run, _ keys: inout [String: String], _ event: CSTAEvent, after seconds: Int64 = 1) {
        run.feed(event, after: seconds)
        keys.merge(run.tracker.resumeKeys) { _, new in new }
    }

    /// A new worker's tracker on the same clock, having taken `open` over.
    static func resumed(_ open: OpenLifecycles, clock: Int64) -> Run {
        var next = Run()
        next.clock = clock
        next.tracker.resume(open, window: window, now: EventTime(millisecondsSinceEpoch: clock))
        return next
    }

    @Test func everyEventNamesItsLegOnCMByCallIDExtensionAndUCID() {
        var run = Run()
        var keys: [String: String] = [:]
        Self.feed(&run, &keys, T.delivered("1", call: "21", alerting: "3201"))
        Self.feed(&run, &keys, T.established("1", call: "21", answering: "3201"), after: 4)
        #expect(
            run.events.map { keys[$0.id] } == ["cm:21:3201:00001000211732526400", "cm:21:3201:00001000211732526400"])
        #expect(
            AvayaLeg(resumeKey: "cm:21:3201:00001000211732526400")
                == AvayaLeg(callID: "21", extension: "3201", ucid: "00001000211732526400"))
        #expect(AvayaLeg(resumeKey: "cm:21:3201") == AvayaLeg(callID: "21", extension: "3201", ucid: nil))
        for garbage in ["1700000000.12", "cm:21", "cm::3201", "cm:1:2:3:4", ""] {
            #expect(AvayaLeg(resumeKey: garbage) == nil, "\(garbage)")
        }
    }

    @Test func anAnsweredLifecycleGoesOnWithItsTimesAndEndsWithTheWholeTalkTime() throws {
        var run = Run()
        var keys: [String: String] = [:]
        Self.feed(&run, &keys, T.delivered("1", call: "21", alerting: "3201"))
        Self.feed(&run, &keys, T.established("1", call: "21", answering: "3201"), after: 4)
        let answered = try #require(run.events.last)
        // The worker dies; a new one takes the spool's lifecycles over 10 s later.
        var next = Self.resumed(Self.open(after: run, keys: keys), clock: run.clock + 10_000)
        next.events += next.tracker.resync(
            snapshots: T.snapshots(["3201": ["21": "connected"]]), at: EventTime(millisecondsSinceEpoch: next.clock))
        #expect(next.events.isEmpty)
        #expect(next.tracker.takeResumeReport() == .init(resumed: 1, closed: 0))
        next.feed(T.cleared("1", call: "21", dropped: T.customer), after: 50)
        next.feed(T.cleared("1", call: "21", dropped: "3201:CM1::0"), after: 0)
        #expect(next.lines == ["3201 ended normal"])
        let end = try #require(next.events.last)
        #expect(end.id == "sales/00001000211732526400/3201/ended/1")
        #expect(end.startedAt == answered.startedAt && end.answeredAt == answered.answeredAt)
        #expect(end.talkSeconds == 60 && end.ringSeconds == 4)
        #expect(next.tracker.activeCalls == 0)
    }

    @Test func anEventBeforeTheFirstResyncActsOnTheStoredLifecycle() {
        var run = Run()
        var keys: [String: String] = [:]
        Self.feed(&run, &keys, T.delivered("1", call: "21", alerting: "3201"))
        var next = Self.resumed(Self.open(after: run, keys: keys), clock: run.clock + 2000)
        // 3201 answers before the new worker's snapshots come back: the stored ringing is answered, not re-rung.
        next.feed(T.established("1", call: "21", answering: "3201"), after: 1)
        #expect(next.lines == ["3201 answered"])
        #expect(next.events.first?.callId == run.events.first?.callId && next.events.first?.attempt == 1)
        #expect(next.events.first?.ringSeconds == 3)
    }

    @Test func goneLegsCloseAtTheirLastSpooledTimeAndARingingMemberFoundTalkingIsAnsweredAtTheResync() throws {
        var run = Run()
        var keys: [String: String] = [:]
        // 21: a ring group, 3201 and 3202 ringing; 23: 3203 talking.
        Self.feed(&run, &keys, T.delivered("1", call: "21", alerting: "3201", called: "3900"))
        Self.feed(&run, &keys, T.delivered("2", call: "21", alerting: "3202", called: "3900"), after: 0)
        Self.feed(&run, &keys, T.delivered("3", call: "23", alerting: "3203", ucid: "00001000231732526400"), after: 1)
        Self.feed(&run, &keys, T.established("3", call: "23", answering: "3203"), after: 2)
        let spooledAt = run.clock
        var next = Self.resumed(Self.open(after: run, keys: keys), clock: run.clock + 20_000)
        // While no worker ran: 3202 answered 21 (so 3201's leg went), and 23 ended.
        let resyncAt = EventTime(millisecondsSinceEpoch: next.clock)
        next.events += next.tracker.resync(snapshots: T.snapshots(["3202": ["21": "connected"]]), at: resyncAt)
        #expect(next.lines.sorted() == ["3201 ended answeredElsewhere", "3202 answered", "3203 ended unknown"])
        #expect(next.tracker.takeResumeReport() == .init(resumed: 1, closed: 2))
        let answer = try #require(next.events.first { $0.extension == "3202" })
        #expect(answer.at == resyncAt && answer.answeredAt == resyncAt && answer.attempt == 1)
        #expect(answer.id == "sales/00001000211732526400/3202/answered/1")
        let ended = try #require(next.events.first { $0.extension == "3203" })
        #expect(ended.endedAt == EventTime(millisecondsSinceEpoch: spooledAt))
        #expect(ended.talkSeconds == 0 && ended.rawCause?.contains("re-sync") == true)
        let elsewhere = try #require(next.events.first { $0.extension == "3201" })
        #expect(elsewhere.endedAt == EventTime(millisecondsSinceEpoch: spooledAt - 3000))
    }

    @Test func aCMKeyedLifecycleOlderThanTheWindowIsNotTrustedButAUCIDOneIs() {
        var run = Run()
        var keys: [String: String] = [:]
        // No UCID: the call is known as cm-21-<ms>.
        Self.feed(&run, &keys, T.delivered("1", call: "21", alerting: "3201", ucid: nil))
        Self.feed(&run, &keys, T.established("1", call: "21", answering: "3201"), after: 1)
        Self.feed(&run, &keys, T.delivered("2", call: "22", alerting: "3202", ucid: "00001000221732526400"))
        Self.feed(&run, &keys, T.established("2", call: "22", answering: "3202"), after: 1)
        #expect(run.events.first?.callId.hasPrefix("cm-21-") == true)
        // Eleven minutes later CM may have given call ID 21 to another call.
        var next = Self.resumed(Self.open(after: run, keys: keys), clock: run.clock + 660_000)
        next.events += next.tracker.resync(
            snapshots: T.snapshots(["3201": ["21": "connected"], "3202": ["22": "connected"]]),
            at: EventTime(millisecondsSinceEpoch: next.clock))
        // The old cm- lifecycle is closed; the leg on 21 is another call, adopted at answered.
        #expect(next.lines.sorted() == ["3201 answered", "3201 ended unknown"])
        #expect(next.events.first { $0.state == .answered }?.callId != run.events.first?.callId)
        #expect(next.tracker.takeResumeReport() == .init(resumed: 1, closed: 1))
    }

    @Test func aLateOpenHoldsBackTheCallsAlreadyUpThenResumesThem() {
        var run = Run()
        var keys: [String: String] = [:]
        Self.feed(&run, &keys, T.delivered("1", call: "21", alerting: "3201"))
        Self.feed(&run, &keys, T.established("1", call: "21", answering: "3201"), after: 2)
        let open = Self.open(after: run, keys: keys)
        var next = Run()
        next.clock = run.clock + 5000
        next.tracker.awaitOpen()
        // Before the first re-sync nothing is known to be new: held back.
        next.feed(T.delivered("2", call: "21", alerting: "3202"))
        next.events += next.tracker.resync(
            snapshots: T.snapshots(["3201": ["21": "connected"], "3202": ["21": "alerting"]]),
            at: EventTime(millisecondsSinceEpoch: next.clock))
        // A call already up stays held back; a new one is tracked.
        next.feed(T.established("2", call: "21", answering: "3202"))
        next.feed(T.delivered("3", call: "30", alerting: "3203", ucid: "00001000301732526400"))
        #expect(next.lines == ["3203 ringing"])
        next.tracker.takeOver(open, window: Self.window, now: EventTime(millisecondsSinceEpoch: next.clock))
        next.events += next.tracker.resync(
            snapshots: T.snapshots([
                "3201": ["21": "connected"], "3202": ["21": "connected"], "3203": ["30": "alerting"],
            ]),
            at: EventTime(millisecondsSinceEpoch: next.clock + 1000))
        // 3201's stored lifecycle goes on; 3202, whom nothing matches, is adopted in the same call at answered.
        #expect(next.lines == ["3203 ringing", "3202 answered"])
        #expect(next.events.last?.callId == run.events.first?.callId)
        next.feed(T.cleared("1", call: "21", dropped: "3201:CM1::0"), after: 30)
        #expect(next.lines.last == "3201 ended normal")
        #expect(next.events.last?.answeredAt == run.events.last?.answeredAt)
    }

    @Test func eventsAfterTheSnapshotsWereAskedForWinOverThem() {
        var run = Run()
        let askedAt = EventTime(millisecondsSinceEpoch: run.clock + 500)
        // While the snapshots were taken: 21 began ringing at 3201 (after 3201's snapshot), and 22 rang 3202 and
        // ended (after 3202's snapshot had listed it).
        run.feed(T.delivered("1", call: "21", alerting: "3201"))
        run.feed(T.delivered("2", call: "22", alerting: "3202", ucid: "00001000221732526400"), after: 0)
        run.feed(T.cleared("2", call: "22", dropped: "3202:CM1::0"), after: 0)
        run.events += run.tracker.resync(
            snapshots: T.snapshots(["3202": ["22": "alerting"]]), at: EventTime(millisecondsSinceEpoch: run.clock),
            askedAt: askedAt)
        #expect(run.lines == ["3201 ringing", "3202 ringing", "3202 missed cancelled"])
        #expect(run.tracker.activeCalls == 1)
    }

    @Test func whileAESCannotBeReachedWhatIsQuietForTheWindowIsClosedAtItsLastKnownTime() {
        var run = Run()
        run.feed(T.delivered("1", call: "21", alerting: "3201"))
        run.feed(T.established("1", call: "21", answering: "3201"), after: 3)
        let answeredAt = run.clock
        run.feed(T.delivered("2", call: "22", alerting: "3202", ucid: "00001000221732526400"), after: 100)
        // Only 21 is quiet since before the cutoff.
        run.events += run.tracker.closeQuiet(before: EventTime(millisecondsSinceEpoch: answeredAt + 50_000))
        #expect(run.lines == ["3201 ringing", "3201 answered", "3202 ringing", "3201 ended unknown"])
        #expect(run.events.last?.endedAt == EventTime(millisecondsSinceEpoch: answeredAt))
        #expect(run.tracker.activeCalls == 1)
    }
}
