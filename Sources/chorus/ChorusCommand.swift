import ArgumentParser

/// `chorus`: run a node, publish events, mint development tokens.
@main
struct ChorusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chorus",
        abstract: "A clustered Server-Sent Events broadcaster.",
        discussion: "Every option can also be set with the CHORUS_* environment variable named in its help; a flag wins over the variable.",
        version: "0.1.0",
        subcommands: [ServeCommand.self, PublishCommand.self, TokenCommand.self]
    )
}
