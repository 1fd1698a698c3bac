//! The pcap/pcapng reader on arbitrary bytes: never panics, stops after an error,
//! and every datagram it finds can be dissected; a dissection without error explains
//! every octet of the IP packet exactly once.
#![no_main]

use ikelab_engine::capture::{CaptureReader, dissect_datagram};
use ikelab_engine::wire::check_leaf_coverage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = CaptureReader::new(data) else {
        return;
    };
    let _ = reader.format();
    let mut errors = 0;
    for record in reader {
        let record = match record {
            Ok(record) => record,
            Err(_) => {
                errors += 1;
                continue;
            }
        };
        assert_eq!(errors, 0, "a record after an error");
        assert!(record.data.len() <= data.len());
        let Ok(datagram) = record.datagram() else {
            continue;
        };
        let dissection = dissect_datagram(&datagram, None, None);
        assert_eq!(dissection.length, datagram.ip_packet.len());
        if dissection.error.is_none()
            && let Err(err) = check_leaf_coverage(&dissection.fields, 0..dissection.length)
        {
            panic!("{:?} frame {}: {err}", datagram.kind, datagram.frame);
        }
    }
});
