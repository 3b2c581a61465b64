import Synchronization

#if os(Linux)
    @preconcurrency import Dispatch
    import Glibc
#else
    import Dispatch
    import Darwin
#endif

/// Bounds how long a blocking libpq call may wait for the server.
///
/// libpq's blocking calls wait in `poll(2)` with no deadline. A server that stops answering
/// without closing the connection (a network partition, a frozen host, a stuck middlebox) keeps
/// the calling thread there until the kernel gives up on the socket, which with acknowledged
/// data and no keepalive is never. Kernel keepalives do not help when something in between
/// acknowledges the bytes and sits on them.
///
/// The watchdog shuts the socket down (`shutdown(2)`, never `close`: libpq still owns the
/// descriptor) once a call outlives its deadline. The blocked `poll` then returns, libpq
/// reports the connection broken, and the caller gets `connectionLost`; nothing is retried
/// here, because only the caller knows whether a lost COMMIT is safe to repeat.
final class ReplyWatchdog: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var armed = false
        var fired = false
    }

    private let state = Mutex(State())
    private let limit: Duration

    init(limit: Duration) {
        self.limit = limit
    }

    /// Starts the clock for one call on `socket`; returns the token that ends it.
    func arm(socket: Int32) -> UInt64 {
        let generation = state.withLock { state -> UInt64 in
            state.generation &+= 1
            state.armed = true
            state.fired = false
            return state.generation
        }
        let (seconds, attoseconds) = limit.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
            // The check and the shutdown happen under the lock, so a call that has already
            // disarmed (and maybe started the next one) never loses its socket to a late timer.
            state.withLock { state in
                guard state.armed, state.generation == generation else { return }
                state.fired = true
                _ = shutdown(socket, Int32(SHUT_RDWR))
            }
        }
        return generation
    }

    /// Stops the clock; true when the deadline passed and the socket was shut down.
    func disarm(_ generation: UInt64) -> Bool {
        state.withLock { state in
            guard state.generation == generation else { return false }
            state.armed = false
            return state.fired
        }
    }

    /// The deadline, for messages.
    var description: String {
        let (seconds, attoseconds) = limit.components
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
