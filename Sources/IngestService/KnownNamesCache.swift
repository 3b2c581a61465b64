import DramaDomain
import DramaExtract
import Logging
import Synchronization

/// The display names of every person and drama in the database, for extraction: a mention the
/// database knows is recognized even unquoted and reported with the known spelling.
///
/// Loaded through the reader connection and kept for `maximumAge`: names change slowly, and a
/// query per EXTRACT would cost more than the extraction. Each article only gets the names
/// whose normalization key occurs in its text (``KnownNameIndex``), so the extractor's cost does
/// not grow with the database.
final class KnownNamesCache: Sendable {
    private struct State {
        var index = KnownNameIndex(people: [], dramas: [])
        var loadedAt: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let slot: ConnectionSlot
    private let logger: Logger
    private let maximumAge: Duration

    init(slot: ConnectionSlot, logger: Logger, maximumAge: Duration = .seconds(30)) {
        self.slot = slot
        self.logger = logger
        self.maximumAge = maximumAge
    }

    /// The index of known names; an outdated one is reloaded first. One request reloads while
    /// the others use the current index. When the database cannot be reached, the last index
    /// (perhaps empty) is used, so extraction still works, and the reload is tried again after
    /// `retryAfterFailure` rather than on every request.
    func index() async -> KnownNameIndex {
        let refresh = state.withLock { state -> Bool in
            guard state.loadedAt.map({ ContinuousClock.now - $0 > maximumAge }) ?? true else { return false }
            state.loadedAt = .now
            return true
        }
        if refresh {
            do {
                let (people, dramas) = try await slot.run { db in
                    (
                        try db.query("SELECT name FROM people WHERE merged_into IS NULL").rows.compactMap { $0[0] },
                        try db.query("SELECT title FROM dramas WHERE merged_into IS NULL").rows.compactMap { $0[0] }
                    )
                }
                let index = KnownNameIndex(people: people, dramas: dramas)
                state.withLock { $0 = State(index: index, loadedAt: .now) }
            } catch {
                logger.debug("known names not refreshed", metadata: ["error": "\(error)"])
                state.withLock { $0.loadedAt = .now - maximumAge + Self.retryAfterFailure }
            }
        }
        return state.withLock { $0.index }
    }

    static let retryAfterFailure = Duration.seconds(5)
}
