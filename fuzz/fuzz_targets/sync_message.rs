#![no_main]
// See groundwork::fuzzing::sync_message.
libfuzzer_sys::fuzz_target!(init: groundwork::fuzzing::init(), |data: &[u8]| {
    groundwork::fuzzing::sync_message(data)
});
