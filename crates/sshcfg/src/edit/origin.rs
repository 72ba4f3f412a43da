//! Where a forward line comes from, when it is not the host's alone.

use crate::config::ConfigSet;
use crate::resolve::EffectiveForward;

/// Why a forward line is not this host's alone, in words.
pub(super) fn describe_block(set: &ConfigSet, f: &EffectiveForward) -> String {
    let file = set.file(f.loc.file());
    if !file.editable() {
        return format!("the system config {}", file.path.display());
    }
    let Some(b) = f.block else {
        return match set.included_from(f.loc.file()) {
            Some(inc) => {
                let place = set.place(inc);
                let doc = &set.file(inc.file()).doc;
                let within = match doc.block_of(inc.index()).header {
                    Some(h) => format!(
                        " inside `{}`",
                        String::from_utf8_lossy(doc.line_text(h)).trim()
                    ),
                    None => String::new(),
                };
                format!(
                    "the top of {}, which is included at {place}{within}",
                    file.path.display()
                )
            }
            None => "the global part of the file (it applies to every host)".into(),
        };
    };
    let text = String::from_utf8_lossy(file.doc.line_text(b.index()))
        .trim()
        .to_string();
    format!(
        "the block `{text}` at {}, which is not for this host alone",
        set.place(b)
    )
}
