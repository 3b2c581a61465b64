import DramaWireCLI

/// Entry point; everything lives in DramaWireCLI so tests can drive the commands.
@main
enum DramaWireMain {
    static func main() async {
        await DramaWireCommand.runMain()
    }
}
