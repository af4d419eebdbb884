import ServiceLifecycle

/// Runs `round` once every `every` until the task is cancelled or the server shuts down: the first
/// round at once when `startAtOnce`, after the first wait otherwise. For the server's periodic
/// services (`JournalSealer`, `IdleConnectionChecker`).
func everyRound(every: Duration, startAtOnce: Bool, _ round: () async -> Void) async {
    if startAtOnce { await round() }
    while !Task.isCancelledOrShuttingDown {
        do {
            try await Task.sleep(for: every)
        } catch {
            return
        }
        guard !Task.isCancelledOrShuttingDown else { return }
        await round()
    }
}
