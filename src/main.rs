fn main() -> std::process::ExitCode {
    portoser::cli::main()
}
