#![no_main]
// See groundwork::fuzzing::frame.
libfuzzer_sys::fuzz_target!(init: groundwork::fuzzing::init(), |data: &[u8]| {
    groundwork::fuzzing::frame(data)
});
