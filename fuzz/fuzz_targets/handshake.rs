#![no_main]
// See groundwork::fuzzing::handshake.
libfuzzer_sys::fuzz_target!(init: groundwork::fuzzing::init(), |data: &[u8]| {
    groundwork::fuzzing::handshake(data)
});
