fn main() -> std::process::ExitCode {
    codex_helper_cli::main()
}
