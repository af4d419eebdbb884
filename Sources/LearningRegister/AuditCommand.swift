import ArgumentParser
import Foundation
import RegisterDomain
import RegisterReports
import RegisterServices
import RegisterStore

/// `learning-register audit …`: export, verify and checkpoint the audit trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Export, verify and checkpoint the tamper-evident audit trail.",
        subcommands: [Export.self, Verify.self, Checkpoint.self, Keygen.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every event as JSON Lines, with a signed checkpoint beside it (FILE.checkpoint.json).",
            discussion: "The export is recorded in the trail itself. Sign checkpoints by setting AUDIT_SIGNING_KEY_FILE.")

        @OptionGroup var database: DatabaseOptions
        @Option(name: .shortAndLong, help: "File to write (it is replaced).") var output: String

        func run() async throws {
            let configuration = try database.configuration()
            let logger = commandLogger()
            let url = URL(fileURLWithPath: output)
            guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = try? FileHandle(forWritingTo: url) else {
                throw CommandFailure(message: "cannot write \(output)")
            }
            defer { try? handle.close() }
            let checkpoint = try await withServices(configuration, logger: logger) { services, _ in
                let checkpoint = try await services.audit.beginExport(via: .cli, by: .system("cli-export", logger: logger))
                try await services.audit.exportEvents(upTo: checkpoint.seq) { chunk in try handle.write(contentsOf: chunk) }
                return checkpoint
            }
            let checkpointPath = output + ".checkpoint.json"
            try Self.write(checkpoint, to: checkpointPath)
            print("exported \(checkpoint.seq) events to \(output)")
            print("checkpoint: \(checkpointPath)" + (checkpoint.signature == nil ? " (unsigned: AUDIT_SIGNING_KEY_FILE is not set)" : " (signed)"))
        }

        static func write(_ checkpoint: RegisterReports.Checkpoint, to path: String) throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(checkpoint).write(to: URL(fileURLWithPath: path))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an export offline: numbering, links, hashes, seal times, and the checkpoint.",
            discussion: "Exits 0 and prints a summary when everything holds; otherwise names the first bad line and exits 1.")

        @Option(help: "The JSON Lines export.") var file: String
        @Option(help: "A checkpoint (JSON) to check the export against: catches a cut-off tail and, signed, a rewritten history.")
        var checkpoint: String?
        @Option(name: .customLong("public-key"), help: "The register's public key (base64), as `audit keygen` printed it (default: $AUDIT_PUBLIC_KEY).")
        var publicKey: String?
        @Flag(name: .customLong("allow-unsigned"), help: "Accept an unsigned checkpoint (it still catches a cut-off tail, not a rewritten history).")
        var allowUnsigned = false

        func run() async throws {
            var loaded: RegisterReports.Checkpoint?
            if let checkpoint {
                guard let data = FileManager.default.contents(atPath: checkpoint),
                    let parsed = try? JSONDecoder().decode(RegisterReports.Checkpoint.self, from: data)
                else { throw CommandFailure(message: "cannot read a checkpoint from \(checkpoint)") }
                loaded = parsed
            }
            let pinned = try (publicKey ?? ProcessInfo.processInfo.environment["AUDIT_PUBLIC_KEY"]).map(SigningKeyFile.publicKey(base64:))
            if let loaded {
                // A signature checked against the key the checkpoint names proves nothing: whoever
                // rewrote the history could sign with a key of their own.
                if loaded.signature == nil, !allowUnsigned {
                    throw CommandFailure(message: "the checkpoint is unsigned; pass --allow-unsigned to check it for a cut-off tail only")
                }
                if loaded.signature != nil, pinned == nil {
                    throw CommandFailure(message: "pin the register's public key with --public-key (or AUDIT_PUBLIC_KEY) to check the checkpoint's signature")
                }
            }
            do {
                let report = try ExportVerifier.verify(file: URL(fileURLWithPath: file), checkpoint: loaded, pinnedKey: pinned)
                print("OK: \(report.events) events, head \(report.headHash), merkle root \(report.merkleRoot)")
                if let loaded {
                    let how = loaded.signature == nil ? "unsigned" : "signed by the pinned key"
                    print("checkpoint at seq \(loaded.seq) matches (\(how))")
                }
            } catch let problem as ChainProblem {
                throw CommandFailure(message: "FAILED: \(problem)")
            }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify the chain in the database and record a signed checkpoint of its head.")

        @OptionGroup var database: DatabaseOptions
        @Option(name: .shortAndLong, help: "Also write the checkpoint to this file.") var output: String?

        func run() async throws {
            let configuration = try database.configuration()
            let logger = commandLogger()
            let checkpoint = try await withServices(configuration, logger: logger) { services, _ in
                try await services.audit.checkpoint(by: .system("cli-checkpoint", logger: logger))
            }
            if let output { try Export.write(checkpoint, to: output) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(checkpoint), as: UTF8.self))
        }
    }

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an Ed25519 key for signing checkpoints; prints the public key for auditors.")

        @Option(name: .shortAndLong, help: "Where to write the private key (mode 600). Point AUDIT_SIGNING_KEY_FILE at it.") var output: String

        func run() async throws {
            guard !FileManager.default.fileExists(atPath: output) else { throw CommandFailure(message: "\(output) exists; not overwriting a key") }
            let key = try SigningKeyFile.create(output)
            print("private key written to \(output)")
            print("public key (give this to auditors): \(key.publicKey.rawRepresentation.base64EncodedString())")
        }
    }
}
