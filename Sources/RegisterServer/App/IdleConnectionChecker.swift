import Logging
import RegisterStore
import ServiceLifecycle

/// Checks the database connections no request holds every half minute (`Database.checkIdleConnections`),
/// where the pool keeps its connections open (`DatabaseSettings.keepsConnectionsOpen`, the server's
/// setting): a connection that does not answer within ten seconds is closed and the pool opens another.
struct IdleConnectionChecker: Service {
    let database: Database
    let logger: Logger
    var every: Duration = .seconds(30)
    var answerWithin: Duration = .seconds(10)

    func run() async throws {
        try await cancelWhenGracefulShutdown { await self.rounds() }
    }

    func rounds() async {
        await everyRound(every: every, startAtOnce: false) {
            _ = await database.checkIdleConnections(answerWithin: answerWithin, logger: logger)
        }
    }
}
