#![no_main]
// See groundwork::fuzzing::awareness.
libfuzzer_sys::fuzz_target!(init: groundwork::fuzzing::init(), |data: &[u8]| {
    groundwork::fuzzing::awareness(data)
});
