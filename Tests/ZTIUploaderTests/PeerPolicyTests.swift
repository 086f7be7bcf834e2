import Glibc
import Testing

@testable import ZTIUploader

/// Who may send events: the decision, apart from the sockets.
@Suite struct PeerPolicyTests {
    let policy = PeerPolicy(trustedUIDs: [0, 990], groupName: "ztisup-ev", groupID: 991)

    @Test func rootAndTheUploadersUserAreAdmittedWithoutGroups() {
        #expect(policy.admits(uid: 0, groups: []))
        #expect(policy.admits(uid: 990, groups: []))
    }

    @Test func anotherUserNeedsThePeerGroupAsASupplementaryGroup() {
        #expect(policy.admits(uid: 992, groups: [100, 991]))
        #expect(!policy.admits(uid: 992, groups: [100, 992]))
        #expect(!policy.admits(uid: 992, groups: []))
    }

    @Test func aMissingGroupAdmitsNoOneElse() {
        let missing = PeerPolicy(trustedUIDs: [0], groupName: "ztisup-ev", groupID: nil)
        #expect(!missing.admits(uid: 992, groups: [991]))
        #expect(missing.summary.contains("group ztisup-ev does not exist here"))
    }

    @Test func gidZeroIsNeverThePeerGroup() {
        let rootGroup = PeerPolicy(trustedUIDs: [0], groupName: "root", groupID: 0)
        #expect(rootGroup.groupID == nil)
        #expect(!rootGroup.admits(uid: 992, groups: [0]))
    }

    @Test func resolveLooksTheGroupUp() {
        #expect(PeerPolicy.resolve(groupName: "no-such-group-zti").groupID == nil)
        #expect(PeerPolicy.resolve(groupName: "daemon").groupID == getgrnam("daemon").map { $0.pointee.gr_gid })
        #expect(PeerPolicy.resolve(groupName: "daemon").trustedUIDs == [0, geteuid()])
    }
}
