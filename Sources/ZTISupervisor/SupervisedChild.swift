import ZTICore
import ZTILink

/// One child as the supervisor holds it: its spec, its life by the ``ChildMachine``, and its link.
struct SupervisedChild {
    let spec: ChildSpec
    var machine: ChildMachine.State
    /// The link to a worker of the current life (set once its CONFIG went out).
    var writer: FrameWriter?
    var lastEventAt: ContinuousClock.Instant?

    init(spec: ChildSpec, tracker: RestartTracker? = nil) {
        self.spec = spec
        machine = ChildMachine.State(name: spec.role.description, policy: spec.restart)
        if let tracker { machine.tracker = tracker }
    }

    var state: GroupState { machine.phase }
    var pid: Int32? { machine.pid }
    var isLive: Bool { machine.isLive }
}
