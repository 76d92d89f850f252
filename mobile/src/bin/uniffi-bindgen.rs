//! `uniffi-bindgen`: generates the foreign-language bindings of this library from the
//! built library itself (library mode), so the bindings always match the code.
//! `scripts/bindings [--debug] [OUT_DIR]` builds the library and runs it for Kotlin,
//! Swift and Python at once.

fn main() {
    uniffi::uniffi_bindgen_main()
}
