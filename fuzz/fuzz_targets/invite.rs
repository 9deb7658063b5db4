#![no_main]
// See groundwork::fuzzing::invite.
libfuzzer_sys::fuzz_target!(init: groundwork::fuzzing::init(), |data: &[u8]| {
    groundwork::fuzzing::invite(data)
});
