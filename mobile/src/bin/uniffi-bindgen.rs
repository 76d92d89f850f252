//! `uniffi-bindgen`: generates the foreign-language bindings of this library from the
//! built library itself (library mode), so the bindings always match the code:
//! `cargo run --bin uniffi-bindgen -- generate --library target/release/libpraxis_mobile.so --language kotlin --out-dir bindings/kotlin`

fn main() {
    uniffi::uniffi_bindgen_main()
}
