// A log event's metadata merged in swift-log's order (handler, provider, call site), for both log handlers.
import Logging

extension LogEvent {
    /// The metadata of one entry: the handler's, then its provider's, then the entry's own, later keys winning.
    func mergedMetadata(handler: Logger.Metadata, provider: Logger.MetadataProvider?) -> Logger.Metadata {
        var merged = handler
        if let provided = provider?.get() { merged.merge(provided) { _, new in new } }
        if let own = metadata { merged.merge(own) { _, new in new } }
        return merged
    }
}
