#![no_main]
// See groundwork::fuzzing::peer.
libfuzzer_sys::fuzz_target!(init: groundwork::fuzzing::init(), |data: &[u8]| {
    groundwork::fuzzing::peer(data)
});
