import ZTIAsterisk
import ZTIAvaya
import ZTICore

/// What a worker needs of its PBX's call tracker beyond the events: closing what is quiet while the PBX cannot be
/// reached, and each event's resume key.
protocol WorkerTracking: Sendable {
    mutating func closeQuiet(before cutoff: EventTime) -> [CallEvent]
    var resumeKeys: [String: String] { get }
}

/// What a worker needs of its PBX's click-to-dial outcomes beyond the events: settling a request that got none.
protocol DialOutcomeTracking: Sendable {
    mutating func expire(_ clickToDialId: String) -> DialResult?
}

extension AsteriskCallTracker: WorkerTracking {}
extension AvayaCallTracker: WorkerTracking {}
extension ClickToDialOutcomes: DialOutcomeTracking {}
extension AvayaDialOutcomes: DialOutcomeTracking {}
