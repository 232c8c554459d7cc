// mimalloc, not glibc's malloc: a proxied request allocates and frees a few
// hundred small blocks, and glibc's malloc/free were ~12% of its
// instructions (callgrind; see README.md, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    codex_helper_cli::main()
}
