#![no_main]
// See groundwork::fuzzing::stored_blob.
libfuzzer_sys::fuzz_target!(init: groundwork::fuzzing::init(), |data: &[u8]| {
    groundwork::fuzzing::stored_blob(data)
});
