// mimalloc, not glibc's malloc: a proxied request allocates and frees a few
// hundred small blocks, and glibc's malloc/free were ~12% of its
// instructions (callgrind; see README.md, Performance). Called through
// `codex-helper-alloc` (alloc/), which takes mimalloc's fast paths.
#[global_allocator]
static ALLOCATOR: codex_helper_alloc::Mimalloc = codex_helper_alloc::Mimalloc;

fn main() -> std::process::ExitCode {
    codex_helper_cli::main()
}
