// Security keys (WebAuthn) on the MFA pages. django-allauth's own scripts (mfa/js/webauthn.js, loaded
// from static files, their settings in JSON data blocks: nothing inline, as the CSP requires) run the
// ceremony; when the browser refuses or the person cancels, they announce an "allauth.error" event.
// Here that shows the page's message instead of a line in the console.
(function () {
  document.addEventListener('allauth.error', function (event) {
    const message = document.querySelector('[data-webauthn-error]')
    if (!message) return
    event.preventDefault()
    message.hidden = false
  })
})()
