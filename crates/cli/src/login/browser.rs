//! Opening a URL in the laptop's browser.

use std::process::{Command, Stdio};

/// Open `url` in the laptop's browser. The `webbrowser` crate honours `$BROWSER` on Linux and
/// the BSDs; on macOS and Windows it does not, so there a set `$BROWSER` is run here.
pub(crate) fn open(url: &str) -> std::io::Result<()> {
    if !cfg!(all(unix, not(target_os = "macos")))
        && let Some(b) = std::env::var("BROWSER")
            .ok()
            .filter(|b| !b.trim().is_empty())
    {
        let argv = browser_argv(&b, url);
        return Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(drop);
    }
    webbrowser::open(url)
}

/// `$BROWSER` as a command line: words split on whitespace, `%s` replaced by the URL, else the
/// URL appended.
fn browser_argv(browser: &str, url: &str) -> Vec<String> {
    let mut argv: Vec<String> = browser.split_whitespace().map(str::to_string).collect();
    if argv.iter().any(|w| w.contains("%s")) {
        argv.iter_mut().for_each(|w| *w = w.replace("%s", url));
    } else {
        argv.push(url.to_string());
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_command_line() {
        assert_eq!(browser_argv("firefox", "u"), ["firefox", "u"]);
        assert_eq!(
            browser_argv("open -a Safari %s", "u"),
            ["open", "-a", "Safari", "u"]
        );
    }
}
