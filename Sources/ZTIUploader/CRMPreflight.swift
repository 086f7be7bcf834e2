import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import NIOHTTP1
import ZTICore
import ZTILink

/// `ztisup check-config --connect` for the CRM: the webhook's URL (and Zammad's, from its secret) asked with a
/// `HEAD`, which delivers nothing; any answer but "not found" or a server error means the URL is there. Zoho is
/// asked by the running uploader, with the token it holds (``ZohoPreflight``): a token refresh from here would
/// spend the uploader's budget of refreshes.
public enum CRMPreflight {
    /// Runs the check of `configuration`'s CRM; nothing for `crm.sink = none`.
    public static func run(_ configuration: Configuration, credentialsDirectory: String?, timeout: Duration) async
        -> [PreflightCheck]
    {
        let global = configuration.global
        switch global.sink {
        case .none:
            return []
        case .zoho:
            return [await askUploader(global, timeout: max(timeout, zohoPatience))]
        case .webhook:
            guard let url = global.webhookURL else { return [PreflightCheck(.fail, "crm.webhook.url is not set")] }
            return [await probe(url, shown: url, what: "the webhook", timeout: timeout)]
        case .zammad:
            let secrets: SecretStore
            do {
                secrets = try SecretStore(
                    global: global, needed: [.crmWebhookSecret], credentialsDirectory: credentialsDirectory,
                    only: [.crmWebhookSecret])
            } catch {
                return [PreflightCheck(.fail, error.message)]
            }
            guard let url = secrets.value(.crmWebhookSecret) else { return [] }
            // The URL carries Zammad's token in its path: only its scheme, host and port are shown.
            return [await probe(url, shown: origin(of: url), what: "Zammad's CTI URL", timeout: timeout)]
        }
    }

    /// How long the uploader's own Zoho request may take (its HTTP timeout is 10 s).
    static let zohoPatience: Duration = .seconds(12)

    /// Where the running uploader listens: `uploader.socket`, else the all-in-one uploader's
    /// `<runtime.dir>/events.sock`, else the socket of `ztisup-uploader.socket`.
    static func uploaderSockets(_ global: GlobalConfig) -> [String] {
        if let socket = global.uploaderSocket { return [socket] }
        return [global.runtimeDir + "/events.sock", "/run/ztisup-uploader/events.sock"]
    }

    /// Asks the running uploader to check the CRM (`STATUS_REQUEST` with `checkCRM`), on its event socket.
    static func askUploader(_ global: GlobalConfig, timeout: Duration) async -> PreflightCheck {
        let sockets = uploaderSockets(global)
        var refusals: [String] = []
        for socket in sockets {
            let frames: [Frame]
            do {
                frames = try await FrameLink.exchange(
                    path: socket, send: .statusRequest(StatusRequest(checkCRM: true)), receiver: .supervisor,
                    sender: .uploader, limit: timeout
                ) { frame in
                    if case .uploaderStatus = frame { return true }
                    return false
                }
            } catch let error as IOError where [ENOENT, ECONNREFUSED].contains(error.errnoCode) {
                continue
            } catch {
                refusals.append("\(socket): \(error)")
                continue
            }
            guard case .uploaderStatus(let status)? = frames.last else {
                return PreflightCheck(
                    .fail, "the uploader at \(socket) did not answer within \(timeout): see its log")
            }
            guard let check = status.crmCheck else {
                return PreflightCheck(
                    .note,
                    "the uploader at \(socket) is of an earlier release, which cannot check Zoho: upgrade it (and "
                        + "restart it) to the release of this ztisup")
            }
            return PreflightCheck(check.outcome, "asked the uploader at \(socket): " + check.text)
        }
        if !refusals.isEmpty {
            return PreflightCheck(
                .fail,
                "could not ask the uploader (\(refusals.joined(separator: "; "))): run as root or as a member of "
                    + "\(global.uploaderPeerGroup) (uploader.peer.group)")
        }
        return PreflightCheck(
            .note,
            "Zoho not checked: no uploader runs (\(sockets.joined(separator: ", ")) not listening); the check asks "
                + "the running uploader, which holds the access token (a refresh from here would spend its "
                + "crm.zoho.refresh.limit): start ztisup and run this again")
    }

    /// `scheme://host:port` of `url`, or "the URL" when it has none.
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host
        else { return "the URL" }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    static func probe(_ url: String, shown: String, what: String, timeout: Duration) async -> PreflightCheck {
        let request: HTTPClientRequest = {
            var request = HTTPClientRequest(url: url)
            request.method = .HEAD
            return request
        }()
        do {
            let response = try await HTTPClient.shared.execute(
                request, timeout: .milliseconds(Int64(timeout.wholeMilliseconds)))
            let status = Int(response.status.code)
            if status == 404 {
                return PreflightCheck(
                    .fail, "\(what) \(shown) answers 404 (not found): check the path of the URL")
            }
            if status >= 500 {
                return PreflightCheck(
                    .fail,
                    "\(what) \(shown) answers \(status) (\(response.status.reasonPhrase)): the receiver is failing")
            }
            return PreflightCheck(.pass, "\(what) \(shown) answers (HTTP \(status) to a HEAD, which delivers nothing)")
        } catch {
            return PreflightCheck(
                .fail,
                "\(what) \(shown) did not answer (\(Untrusted.shown(String(describing: error)))): check the URL, "
                    + "the DNS and any proxy or firewall between")
        }
    }
}
