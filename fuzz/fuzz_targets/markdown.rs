#![no_main]
// See groundwork::fuzzing::markdown.
libfuzzer_sys::fuzz_target!(init: groundwork::fuzzing::init(), |data: &[u8]| {
    groundwork::fuzzing::markdown(data)
});
