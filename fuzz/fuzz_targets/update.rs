#![no_main]
// See groundwork::fuzzing::update.
libfuzzer_sys::fuzz_target!(init: groundwork::fuzzing::init(), |data: &[u8]| {
    groundwork::fuzzing::update(data)
});
