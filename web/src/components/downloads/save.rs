//! Saving bytes built in the page as a file: a Blob behind an object URL, clicked
//! through a temporary `<a download>` (nothing leaves the page).

use wasm_bindgen::JsCast;

/// Offers `bytes` as the file `name` of type `mime`; the reason if the page cannot.
pub(crate) fn save(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let blob = gloo::file::Blob::new_with_options(bytes, Some(mime));
    let url = gloo::file::ObjectUrl::from(blob);
    let document = gloo::utils::document();
    let anchor = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "the page cannot create a link".to_owned())?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // The URL is revoked when `url` drops; the download has its own reference by
    // then (the click starts it synchronously).
    Ok(())
}
