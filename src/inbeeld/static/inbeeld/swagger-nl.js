/* The API documentation page (/api/v1/docs, ADR 0021): Swagger UI has no translations, so its own
   words (buttons, headings, labels) are put in Dutch here, as they appear; the document's words
   are Dutch already. It also gives Swagger UI's controls what they lack for screen readers and
   keyboards (a name for each select, a focusable code block). Nothing is sent anywhere. */
"use strict";
(function () {
  const WORDS = {
    "Try it out": "Uitproberen",
    "Cancel": "Annuleren",
    "Execute": "Uitvoeren",
    "Clear": "Wissen",
    "Authorize": "Aanmelden",
    "Authorized": "Aangemeld",
    "Available authorizations": "Beschikbare aanmeldingen",
    "Logout": "Afmelden",
    "Close": "Sluiten",
    "Parameters": "Parameters",
    "No parameters": "Geen parameters",
    "Request body": "Inhoud van het verzoek",
    "Responses": "Antwoorden",
    "Response body": "Inhoud van het antwoord",
    "Response headers": "Headers van het antwoord",
    "Example Value": "Voorbeeld",
    "Schema": "Schema",
    "Schemas": "Schema's",
    "Servers": "Servers",
    "Request URL": "Adres van het verzoek",
    "Server response": "Antwoord van de server",
    "Links": "Links",
    "No links": "Geen links",
    "Media type": "Mediatype",
    // "Controls `Accept` header.": three text nodes around the code element.
    "Controls": "Bepaalt de header",
    "header.": ".",
    "Code": "Code",
    "Description": "Omschrijving",
    "Details": "Details",
    "Name": "Naam",
    "Value:": "Waarde:",
    "Send empty value": "Lege waarde versturen",
    "required": "verplicht",
    "Reset": "Herstellen",
    "Edit Value": "Waarde bewerken",
    "Expand all": "Alles uitklappen",
    "Collapse all": "Alles inklappen",
    "Download": "Downloaden",
    "Download file": "Bestand downloaden",
    "Terms of service": "Gebruiksvoorwaarden",
    "Contact": "Contact",
    "Send email to": "E-mail naar",
    "- Website": "– website",
    "Website": "Website",
    "Undocumented": "Niet beschreven",
    "Loading...": "Laden…",
    "Failed to fetch.": "Ophalen mislukt.",
    "Possible Reasons:": "Mogelijke oorzaken:",
    "Headers:": "Headers:",
    "Value": "Waarde",
    "Example": "Voorbeeld",
    "Examples": "Voorbeelden",
    "Explore": "Verkennen",
    "Filter by tag": "Filteren op onderwerp",
    "Please correct the following validation errors and try again.":
      "Verbeter de volgende fouten en probeer het opnieuw.",
    "Required field is not provided": "Verplicht veld ontbreekt",
    "Value must be an integer": "Geef een geheel getal",
  };
  const LABELS = {
    "authorization button unlocked": "aanmelden (niet aangemeld)",
    "authorization button locked": "aanmelden (aangemeld)",
    "Copy to clipboard": "Kopiëren",
    "Copy path to clipboard": "Pad kopiëren",
    "Collapse operation": "Inklappen",
    "Expand operation": "Uitklappen",
    "Close": "Sluiten",
  };

  // Texts that start with Swagger UI's words and go on with the document's.
  const PREFIXES = [["Send email to ", "E-mail naar "]];

  function translateText(node) {
    const text = node.nodeValue;
    const key = text.trim().replace(/\s+/g, " ").replace(/`/g, "");
    if (Object.prototype.hasOwnProperty.call(WORDS, key)) {
      const dutch = WORDS[key];
      const replaced = text.replace(text.trim(), dutch);
      if (replaced !== text) node.nodeValue = replaced;
      return;
    }
    for (const [english, dutch] of PREFIXES) {
      if (text.startsWith(english)) node.nodeValue = dutch + text.slice(english.length);
    }
  }

  function translateAttributes(element) {
    for (const name of ["aria-label", "title", "placeholder"]) {
      const value = element.getAttribute(name);
      if (value && LABELS[value]) element.setAttribute(name, LABELS[value]);
    }
  }

  // The elements under ``root`` that match ``selector``, ``root`` itself included.
  function within(root, selector) {
    if (!root || root.nodeType !== Node.ELEMENT_NODE) return [];
    const found = Array.from(root.querySelectorAll(selector));
    if (root.matches(selector)) found.unshift(root);
    return found;
  }

  function mend(root) {
    // Swagger UI's list of operations is the page's main landmark; the blocks above it (the
    // API's description, the server and the sign-in) become named regions.
    const REGIONS = {
      ".information-container": "Over deze API",
      ".scheme-container": "Server en aanmelden",
    };
    for (const [selector, name] of Object.entries(REGIONS)) {
      for (const element of within(root, selector + ":not([role])")) {
        element.setAttribute("role", "region");
        element.setAttribute("aria-label", name);
      }
    }
    // A name for every select (the server list, the media types, enum parameters).
    for (const select of within(root, "select:not([aria-label])")) {
      const row = select.closest("tr[data-param-name]");
      let name = "Keuze";
      if (select.id === "servers") name = "Server";
      else if (row) name = "Waarde van " + row.getAttribute("data-param-name");
      else if (select.closest(".content-type-wrapper, .response-control-media-type")) name = "Mediatype";
      select.setAttribute("aria-label", name);
    }
    // The dialog's close button is an icon without a name.
    for (const button of within(root, "button.close-modal:not([aria-label])")) {
      button.setAttribute("aria-label", "Sluiten");
    }
    // One outline under the page's h1 (the API's title): Swagger UI goes on at h3 (its groups)
    // and h4 (an operation's parts); screen readers hear them one level up.
    for (const heading of within(root, "h3, h4, h5")) {
      heading.setAttribute("aria-level", String(Number(heading.tagName[1]) - 1));
    }
    // Code blocks that scroll can be reached with the keyboard.
    for (const pre of within(root, "pre:not([tabindex])")) {
      pre.setAttribute("tabindex", "0");
    }
  }

  function walk(root) {
    if (root.nodeType === Node.TEXT_NODE) {
      translateText(root);
      return;
    }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    translateAttributes(root);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    let node = walker.nextNode();
    while (node) {
      if (node.nodeType === Node.TEXT_NODE) translateText(node);
      else translateAttributes(node);
      node = walker.nextNode();
    }
    mend(root);
  }

  function start() {
    const root = document.getElementById("swagger-ui");
    if (!root) return;
    walk(root);
    new MutationObserver(function (mutations) {
      for (const mutation of mutations) {
        if (mutation.type === "characterData") translateText(mutation.target);
        else if (mutation.type === "attributes") translateAttributes(mutation.target);
        else for (const node of mutation.addedNodes) walk(node);
      }
    }).observe(root, {
      childList: true,
      subtree: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["aria-label", "title", "placeholder"],
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
