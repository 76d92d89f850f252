//! End-to-end scenarios for Praxis live in `scenarios/` (one test binary, `e2e`): they
//! start the real server and drive it as phones, browsers and foreign-language
//! bindings would. What they share with the crates' own tests is in `praxis-testkit`.
