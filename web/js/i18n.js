// All text of the web map, German first, English second. Every visible string, label,
// message and code-list name comes from here, so a translation touches this file only.

const de = {
  'app.title': 'Leerstand teilen',
  'app.subtitle': 'Allianz Thüringer Becken',
  'app.skip': 'Zum Inhalt springen',
  'app.lang': 'English',
  'app.lang.label': 'Switch to English',
  'app.town': 'Ort',
  'app.town.all': 'Alle vier Orte',
  'app.planner': 'Für Planer',
  'app.loading': 'Lädt …',
  'app.error': 'Die Daten konnten nicht geladen werden. Bitte später erneut versuchen.',
  'app.nav': 'Bereiche',

  'addresses.label': 'Adresse suchen',
  'addresses.placeholder': 'z. B. Marktplatz 15, Sömmerda',
  'addresses.hint': 'Straße, Hausnummer und Ort eingeben; mit den Pfeiltasten wählen, Enter zeigt die Adresse auf der Karte.',
  'addresses.list': 'Gefundene Adressen',
  'addresses.count': '{n} Adressen gefunden',
  'addresses.none': 'Keine passende Adresse gefunden',
  'addresses.error': 'Die Adresssuche ist gerade nicht erreichbar.',
  'addresses.shown': 'Karte zeigt {address}',

  'tab.map': 'Karte',
  'tab.search': 'Grundstücke suchen',
  'tab.report': 'Leerstand melden',
  'tab.teilkultur': 'Teilkultur',

  'map.region': 'Karte der vier Orte',
  'map.legend': 'Legende',
  'map.layers': 'Ebenen ein- und ausblenden',
  'map.districts': 'Ortsteile: Leerstandsquote',
  'map.districts.suppressed': 'weniger als 5 Adressen – keine Angabe',
  'map.districts.hint': 'Beim Hineinzoomen erscheinen die einzelnen Gebäude und Grundstücke.',
  'map.reports': 'Gemeldeter Leerstand (geprüft)',
  'map.reports.note': 'Die Dichte der Meldungen zeigt, wo Menschen melden – nicht unbedingt, wo mehr leer steht.',
  'map.teilkultur': 'Teilkultur-Angebote',
  'map.offers': 'Angebote',
  'map.zoomin': 'Hineinzoomen für Details',
  'map.intro': 'Die Karte zeigt leerstehende Gebäude, Baulücken und Brachen in Sömmerda, Buttstädt, Kindelbrück und Straußfurt – veröffentlicht mit Zustimmung der Eigentümer oder nach öffentlicher Bekanntmachung (§ 200 Abs. 3 BauGB).',
  'map.table': 'Ortsteile im Überblick',
  'map.table.district': 'Ortsteil',
  'map.table.rate': 'Leerstandsquote',
  'map.table.gaps': 'Baulücken',
  'map.table.brownfields': 'Brachen',
  'map.table.none': '–',
  'map.source.geojson': 'Kartengrundlage: ALKIS (Liegenschaftskataster), OGC API Features',

  'class.vacant': 'Leerstehendes Gebäude',
  'class.partly_vacant': 'Teilweise leerstehendes Gebäude',
  'class.building_gap': 'Baulücke',
  'class.vacant_building_plot': 'Grundstück mit leerem Gebäude',
  'class.brownfield': 'Brache',
  'class.underused': 'Untergenutztes Grundstück',
  'class.any': 'Alle Arten',

  'popup.town': 'Ort',
  'popup.district': 'Ortsteil',
  'popup.parcel': 'Flurstück',
  'parcel.format': 'Gemarkung {gemarkung}, Flur {flur}, Flurstück {number}',
  'popup.area': 'Fläche',
  'popup.land_use': 'Nutzung',
  'popup.verified': 'zuletzt geprüft',
  'popup.reported': 'gemeldet am',
  'popup.price': 'Preis',
  'popup.price.none': 'auf Anfrage',
  'popup.details': 'Details für Investoren',
  'popup.rate': 'Leerstandsquote',
  'popup.vacant': 'leerstehende Gebäude',
  'popup.gaps': 'Baulücken',
  'popup.suppressed': 'Zu wenige Adressen für eine Angabe (Datenschutz).',
  'popup.close': 'Schließen',

  'report.category.vacant_building': 'Leerstehendes Gebäude',
  'report.category.vacant_plot': 'Leeres Grundstück',
  'report.category.brownfield': 'Brache',
  'report.category.interim_use': 'Idee für Zwischennutzung',
  'report.category.other': 'Sonstiges',

  'search.title': 'Grundstücke für Investoren',
  'search.intro': 'Freie Baugrundstücke, Baulücken und Brachen, deren Veröffentlichung erlaubt ist.',
  'search.town': 'Ort',
  'search.class': 'Art',
  'search.land_use': 'Nutzung',
  'search.land_use.any': 'Alle Nutzungen',
  'search.min_area': 'Fläche ab (m²)',
  'search.max_area': 'Fläche bis (m²)',
  'search.area': 'Fläche',
  'search.area.any': 'Beliebig',
  'search.min_score': 'Eignung mindestens',
  'search.score.any': 'beliebig',
  'search.near': 'Entfernung von einem Punkt',
  'search.near.pick': 'Punkt in der Karte wählen',
  'search.near.picking': 'Klicken Sie jetzt in die Karte …',
  'search.near.clear': 'Punkt entfernen',
  'search.near.chosen': 'Punkt gewählt: {lat}, {lon}',
  'search.max_distance': 'höchstens (m)',
  'search.sort': 'Sortierung',
  'search.sort.score': 'Eignung',
  'search.sort.area': 'Fläche',
  'search.sort.distance': 'Entfernung',
  'search.submit': 'Suchen',
  'search.reset': 'Zurücksetzen',
  'search.results': 'Ergebnisse',
  'search.count': '{matched} Grundstücke gefunden, {returned} angezeigt',
  'search.none': 'Keine Grundstücke passen zu diesen Filtern.',
  'search.more': 'Weitere laden',
  'search.score': 'Eignung',
  'search.score.none': 'nicht bewertet',
  'search.distance': 'Entfernung',
  'search.offer': 'Angebot vorhanden',
  'search.invalid.area': 'Die Mindestfläche darf nicht größer als die Höchstfläche sein.',
  'search.invalid.number': 'Bitte eine Zahl ab 0 eingeben.',

  'detail.title': 'Grundstück: {kennzeichen}',
  'detail.back': 'Zurück zur Liste',
  'detail.facts': 'Eckdaten',
  'detail.suitability': 'Eignung',
  'detail.suitability.parts': 'Woraus sich die Eignung ergibt',
  'detail.offers': 'Angebote',
  'detail.offers.none': 'Für dieses Grundstück gibt es noch kein Angebot. Die Stadt vermittelt gern den Kontakt.',
  'detail.zoning': 'Planungsrecht',
  'detail.kind.sale': 'Verkauf',
  'detail.kind.lease': 'Pacht / Miete',
  'detail.kind.interim_use': 'Zwischennutzung',
  'detail.part.value': 'Wert',
  'detail.part.none': 'nichts in Reichweite',

  'enquiry.title': 'Anfrage senden',
  'enquiry.intro': 'Die Stadt leitet Ihre Anfrage an die Eigentümer weiter. Deren Kontaktdaten bleiben bei der Stadt.',
  'enquiry.message': 'Ihre Nachricht',
  'enquiry.contact': 'Ihre E-Mail-Adresse oder Telefonnummer',
  'enquiry.submit': 'Anfrage absenden',
  'enquiry.sent': 'Vielen Dank! Ihre Anfrage (Nr. {id}) ist eingegangen und wird weitergeleitet.',
  'enquiry.kiosk': 'Anfragen bitte online unter dieser Adresse stellen oder im Bauamt.',

  'report.title': 'Leerstand melden',
  'report.intro': 'Sie kennen ein leerstehendes Gebäude oder eine Brache? Klicken Sie die Stelle in der Karte an und beschreiben Sie kurz, was Ihnen aufgefallen ist.',
  'report.step.pick': '1. Stelle in der Karte anklicken',
  'report.pick.none': 'Noch keine Stelle gewählt.',
  'report.pick.chosen': 'Gewählte Stelle: {lat}, {lon}',
  'report.pick.keyboard': 'Kartenmitte verwenden',
  'report.category': 'Was haben Sie bemerkt?',
  'report.text': 'Beschreibung',
  'report.text.hint': 'Höchstens 2000 Zeichen. Bitte keine Namen von Personen nennen.',
  'report.text.count': '{n} von 2000 Zeichen',
  'report.contact': 'Kontakt für Rückfragen (freiwillig)',
  'report.contact.hint': 'Wird nicht veröffentlicht.',
  'report.submit': 'Meldung absenden',
  'report.sent.title': 'Vielen Dank für Ihre Meldung!',
  'report.sent': 'Ihre Meldung Nr. {id} ist eingegangen. Sie erscheint auf der Karte, sobald die Stadt sie geprüft hat – ohne Ihre persönlichen Angaben.',
  'report.again': 'Weitere Meldung',
  'report.invalid.point': 'Bitte wählen Sie die Stelle in der Karte aus.',
  'report.invalid.category': 'Bitte wählen Sie aus, was Sie bemerkt haben.',
  'report.invalid.text': 'Bitte beschreiben Sie kurz, was Ihnen aufgefallen ist.',
  'report.invalid.long': 'Die Beschreibung ist zu lang (höchstens 2000 Zeichen).',
  'report.invalid.contact': 'Die Kontaktangabe ist zu lang (höchstens 200 Zeichen).',
  'report.invalid.outside': 'Die gewählte Stelle liegt außerhalb der vier Orte. Bitte wählen Sie eine Stelle in Sömmerda, Buttstädt, Kindelbrück oder Straußfurt.',
  'report.kiosk': 'Meldungen nehmen wir online oder im Bauamt entgegen.',
  'report.error': 'Die Meldung konnte nicht gesendet werden: {detail}',
  'report.rate': 'Von diesem Anschluss kamen gerade sehr viele Meldungen. Bitte versuchen Sie es später noch einmal.',

  'teilkultur.title': 'Teilkultur – Räume auf Zeit',
  'teilkultur.intro': 'Leere Läden, Säle und Flächen, die Vereine, Kunstschaffende und Gründer zeitweise nutzen können.',
  'teilkultur.none': 'Derzeit sind keine Räume zur Zwischennutzung ausgeschrieben.',
  'teilkultur.show': 'In der Karte zeigen',

  'kiosk.start': 'Zur Startansicht',
  'kiosk.zoomin': 'Vergrößern',
  'kiosk.zoomout': 'Verkleinern',
  'kiosk.fullscreen': 'Vollbild',

  'form.required': 'Pflichtfeld',
  'form.errors': 'Bitte prüfen Sie die markierten Angaben.',
  'form.sending': 'Wird gesendet …',

  'planner.title': 'Planungsansicht',
  'planner.address': 'Adresse',
  'planner.count': '{matched} Einträge, {returned} angezeigt',
  'planner.moderation.place': 'Ort (Breite, Länge)',
  'planner.login': 'Anmelden',
  'planner.login.name': 'Benutzername',
  'planner.login.password': 'Passwort',
  'planner.login.failed': 'Anmeldung fehlgeschlagen: Benutzername oder Passwort ist falsch.',
  'planner.logout': 'Abmelden',
  'planner.hello': 'Angemeldet als {name}',
  'planner.public': 'Zur öffentlichen Karte',
  'planner.tab.review': 'Prüfliste',
  'planner.tab.moderation': 'Meldungen',
  'planner.tab.cases': 'Fälle',
  'planner.review.intro': 'Einstufungen der letzten Analyse mit ihren Belegen. Eine Korrektur wird mit Ihrem Namen als Beleg gespeichert.',
  'planner.review.filter': 'Einstufung',
  'planner.review.none': 'Keine Einstufungen gefunden.',
  'planner.review.score': 'Punktwert',
  'planner.review.confidence': 'Sicherheit',
  'planner.review.evidence': 'Belege',
  'planner.review.override': 'Einstufung korrigieren',
  'planner.review.override.class': 'Neue Einstufung',
  'planner.review.override.note': 'Begründung',
  'planner.review.override.submit': 'Korrektur speichern',
  'planner.review.override.done': 'Korrektur gespeichert.',
  'planner.review.overridden': 'korrigiert',
  'planner.review.withdraw': 'Korrektur zurücknehmen',
  'planner.review.withdrawn': 'Korrektur zurückgenommen.',
  'planner.case.open': 'Fall eröffnen',
  'planner.case.opened': 'Fall Nr. {id} eröffnet.',
  'planner.case.existing': 'Offener Fall: Nr. {id} ({status})',
  'planner.moderation.intro': 'Neue Meldungen von Bürgerinnen und Bürgern. Erst nach Freigabe erscheinen sie – nur mit dem Text der Freigabe – auf der öffentlichen Karte.',
  'planner.moderation.none': 'Keine offenen Meldungen.',
  'planner.moderation.public_text': 'Öffentlicher Text',
  'planner.moderation.approve': 'Freigeben',
  'planner.moderation.reject': 'Ablehnen',
  'planner.moderation.duplicate': 'Doppelt',
  'planner.moderation.done': 'Meldung Nr. {id}: {decision}.',
  'planner.moderation.decision.approve': 'freigegeben',
  'planner.moderation.decision.reject': 'abgelehnt',
  'planner.moderation.decision.duplicate': 'als doppelt markiert',
  'planner.moderation.contact': 'Kontakt (vertraulich)',
  'planner.cases.intro': 'Fälle mit ihrem Stand. Jede Änderung wird mit Datum, Name und Notiz protokolliert.',
  'planner.cases.none': 'Keine Fälle.',
  'planner.cases.status': 'Stand',
  'planner.cases.change': 'Stand ändern',
  'planner.cases.note': 'Notiz',
  'planner.cases.submit': 'Speichern',
  'planner.cases.history': 'Verlauf',
  'planner.cases.done': 'Stand gespeichert.',
  'planner.error': 'Fehler: {detail}',
  'planner.unavailable': 'Dieser Bereich ist auf dem Server noch nicht verfügbar.',
  'planner.expired': 'Die Sitzung ist abgelaufen. Bitte erneut anmelden.',

  'case.new': 'neu',
  'case.owner_contacted': 'Eigentümer angeschrieben',
  'case.owner_answered': 'Eigentümer hat geantwortet',
  'case.consent': 'Zustimmung zur Veröffentlichung',
  'case.objection': 'Widerspruch',
  'case.mobilised': 'mobilisiert',
  'case.closed': 'abgeschlossen',

  'class.occupied': 'Bewohnt / genutzt',
  'class.risk': 'Leerstandsrisiko',
  'class.unknown': 'Unklar',

  'unit.m2': '{n} m²',
  'unit.m': '{n} m',
  'unit.km': '{n} km',
  'unit.percent': '{n} %',
  'unit.eur': '{n} €',

  'land_use.AX_Wohnbauflaeche': 'Wohnbaufläche',
  'land_use.AX_FlaecheGemischterNutzung': 'Fläche gemischter Nutzung',
  'land_use.AX_IndustrieUndGewerbeflaeche': 'Industrie- und Gewerbefläche',
  'land_use.AX_FlaecheBesondererFunktionalerPraegung': 'Fläche besonderer funktionaler Prägung',
  'land_use.AX_Landwirtschaft': 'Landwirtschaft',
  'land_use.AX_UnlandVegetationsloseFlaeche': 'Unland / vegetationslose Fläche',
  'land_use.AX_SportFreizeitUndErholungsflaeche': 'Sport-, Freizeit- und Erholungsfläche',
  'land_use.AX_Friedhof': 'Friedhof',
  'land_use.AX_Gehoelz': 'Gehölz',
  'land_use.AX_Wald': 'Wald',
  'land_use.AX_Strassenverkehr': 'Straßenverkehr',
  'land_use.AX_Weg': 'Weg',
  'land_use.AX_Platz': 'Platz',
  'land_use.AX_StehendesGewaesser': 'Stehendes Gewässer',
  'land_use.AX_Fliessgewaesser': 'Fließgewässer',
  'land_use.AX_TagebauGrubeSteinbruch': 'Tagebau, Grube, Steinbruch',

  'part.centre': 'Nähe zum Ortskern',
  'part.school': 'Schule in der Nähe',
  'part.shop': 'Einkauf in der Nähe',
  'part.transit': 'Bus und Bahn in der Nähe',
  'part.road': 'Anbindung an die Straße',
  'part.area': 'Grundstücksgröße',
  'part.shape': 'Zuschnitt',
  'part.land_use': 'Nutzung',
};

const en = {
  'app.title': 'Sharing vacancy',
  'app.subtitle': 'Alliance Thüringer Becken',
  'app.skip': 'Skip to content',
  'app.lang': 'Deutsch',
  'app.lang.label': 'Auf Deutsch umschalten',
  'app.town': 'Town',
  'app.town.all': 'All four towns',
  'app.planner': 'For planners',
  'app.loading': 'Loading …',
  'app.error': 'The data could not be loaded. Please try again later.',
  'app.nav': 'Sections',

  'addresses.label': 'Find an address',
  'addresses.placeholder': 'e.g. Marktplatz 15, Sömmerda',
  'addresses.hint': 'Type street, house number and town; choose with the arrow keys, Enter shows the address on the map.',
  'addresses.list': 'Addresses found',
  'addresses.count': '{n} addresses found',
  'addresses.none': 'No matching address found',
  'addresses.error': 'The address search cannot be reached right now.',
  'addresses.shown': 'Map shows {address}',
  'tab.map': 'Map',
  'tab.search': 'Find plots',
  'tab.report': 'Report a vacancy',
  'tab.teilkultur': 'Interim use',
  'map.region': 'Map of the four towns',
  'map.legend': 'Legend',
  'map.layers': 'Show or hide layers',
  'map.districts': 'Districts: vacancy rate',
  'map.districts.suppressed': 'fewer than 5 addresses – not shown',
  'map.districts.hint': 'Zoom in to see single buildings and plots.',
  'map.reports': 'Reported vacancies (moderated)',
  'map.reports.note': 'The density of reports shows where people report – not necessarily where more is vacant.',
  'map.teilkultur': 'Interim-use offers',
  'map.offers': 'Offers',
  'map.zoomin': 'Zoom in for details',
  'map.intro': 'The map shows vacant buildings, building gaps and brownfields in Sömmerda, Buttstädt, Kindelbrück and Straußfurt – published with the owners\' consent or after public notice (§ 200 (3) BauGB).',
  'map.table': 'Districts at a glance',
  'map.table.district': 'District',
  'map.table.rate': 'Vacancy rate',
  'map.table.gaps': 'Building gaps',
  'map.table.brownfields': 'Brownfields',
  'map.source.geojson': 'Map data: ALKIS (real-estate cadastre), OGC API Features',
  'class.vacant': 'Vacant building',
  'class.partly_vacant': 'Partly vacant building',
  'class.building_gap': 'Building gap',
  'class.vacant_building_plot': 'Plot with a vacant building',
  'class.brownfield': 'Brownfield',
  'class.underused': 'Underused plot',
  'class.any': 'All kinds',
  'class.occupied': 'Occupied',
  'class.risk': 'At risk of vacancy',
  'class.unknown': 'Unclear',
  'popup.town': 'Town',
  'popup.district': 'District',
  'popup.parcel': 'Parcel',
  'parcel.format': 'Gemarkung {gemarkung}, Flur {flur}, parcel {number}',
  'popup.area': 'Area',
  'popup.land_use': 'Use',
  'popup.verified': 'last verified',
  'popup.reported': 'reported on',
  'popup.price': 'Price',
  'popup.price.none': 'on request',
  'popup.details': 'Details for investors',
  'popup.rate': 'Vacancy rate',
  'popup.vacant': 'vacant buildings',
  'popup.gaps': 'building gaps',
  'popup.suppressed': 'Too few addresses to show figures (privacy).',
  'popup.close': 'Close',
  'report.category.vacant_building': 'Vacant building',
  'report.category.vacant_plot': 'Empty plot',
  'report.category.brownfield': 'Brownfield',
  'report.category.interim_use': 'Idea for interim use',
  'report.category.other': 'Other',
  'search.title': 'Plots for investors',
  'search.intro': 'Building plots, gaps and brownfields whose publication is allowed.',
  'search.town': 'Town',
  'search.class': 'Kind',
  'search.land_use': 'Use',
  'search.land_use.any': 'All uses',
  'search.min_area': 'Area from (m²)',
  'search.max_area': 'Area up to (m²)',
  'search.area': 'Area',
  'search.area.any': 'Any',
  'search.min_score': 'Suitability at least',
  'search.score.any': 'any',
  'search.near': 'Distance from a point',
  'search.near.pick': 'Pick a point on the map',
  'search.near.picking': 'Click on the map now …',
  'search.near.clear': 'Remove point',
  'search.near.chosen': 'Point: {lat}, {lon}',
  'search.max_distance': 'at most (m)',
  'search.sort': 'Sort by',
  'search.sort.score': 'Suitability',
  'search.sort.area': 'Area',
  'search.sort.distance': 'Distance',
  'search.submit': 'Search',
  'search.reset': 'Reset',
  'search.results': 'Results',
  'search.count': '{matched} plots found, {returned} shown',
  'search.none': 'No plots match these filters.',
  'search.more': 'Load more',
  'search.score': 'Suitability',
  'search.score.none': 'not rated',
  'search.distance': 'Distance',
  'search.offer': 'On offer',
  'search.invalid.area': 'The minimum area must not exceed the maximum area.',
  'search.invalid.number': 'Please enter a number of 0 or more.',
  'detail.title': 'Plot: {kennzeichen}',
  'detail.back': 'Back to the list',
  'detail.facts': 'Key facts',
  'detail.suitability': 'Suitability',
  'detail.suitability.parts': 'What the suitability is made of',
  'detail.offers': 'Offers',
  'detail.offers.none': 'There is no offer for this plot yet. The town will gladly put you in touch.',
  'detail.zoning': 'Zoning',
  'detail.kind.sale': 'Sale',
  'detail.kind.lease': 'Lease / rent',
  'detail.kind.interim_use': 'Interim use',
  'detail.part.value': 'Value',
  'detail.part.none': 'nothing within reach',
  'enquiry.title': 'Send an enquiry',
  'enquiry.intro': 'The town forwards your enquiry to the owners. Their contact details stay with the town.',
  'enquiry.message': 'Your message',
  'enquiry.contact': 'Your e-mail address or phone number',
  'enquiry.submit': 'Send enquiry',
  'enquiry.sent': 'Thank you! Your enquiry (no. {id}) has arrived and will be forwarded.',
  'enquiry.kiosk': 'Please send enquiries online or at the building office.',
  'report.title': 'Report a vacancy',
  'report.intro': 'Do you know a vacant building or a brownfield? Click the place on the map and describe briefly what you noticed.',
  'report.step.pick': '1. Click the place on the map',
  'report.pick.none': 'No place chosen yet.',
  'report.pick.chosen': 'Chosen place: {lat}, {lon}',
  'report.pick.keyboard': 'Use the centre of the map',
  'report.category': 'What did you notice?',
  'report.text': 'Description',
  'report.text.hint': 'At most 2000 characters. Please do not name people.',
  'report.text.count': '{n} of 2000 characters',
  'report.contact': 'Contact for questions (optional)',
  'report.contact.hint': 'Never published.',
  'report.submit': 'Send report',
  'report.sent.title': 'Thank you for your report!',
  'report.sent': 'Your report no. {id} has arrived. It appears on the map once the town has checked it – without your personal details.',
  'report.again': 'Another report',
  'report.invalid.point': 'Please choose the place on the map.',
  'report.invalid.category': 'Please choose what you noticed.',
  'report.invalid.text': 'Please describe briefly what you noticed.',
  'report.invalid.long': 'The description is too long (at most 2000 characters).',
  'report.invalid.contact': 'The contact is too long (at most 200 characters).',
  'report.invalid.outside': 'The place lies outside the four towns. Please choose a place in Sömmerda, Buttstädt, Kindelbrück or Straußfurt.',
  'report.kiosk': 'We take reports online or at the building office.',
  'report.error': 'The report could not be sent: {detail}',
  'report.rate': 'Very many reports came from this connection just now. Please try again later.',
  'teilkultur.title': 'Interim use – spaces for a while',
  'teilkultur.intro': 'Empty shops, halls and spaces that clubs, artists and founders can use for a while.',
  'teilkultur.none': 'No spaces for interim use are offered at the moment.',
  'teilkultur.show': 'Show on the map',
  'kiosk.start': 'Back to start',
  'kiosk.zoomin': 'Zoom in',
  'kiosk.zoomout': 'Zoom out',
  'kiosk.fullscreen': 'Full screen',
  'form.required': 'required',
  'form.errors': 'Please check the marked fields.',
  'form.sending': 'Sending …',
  'planner.title': 'Planner view',
  'planner.address': 'Address',
  'planner.count': '{matched} entries, {returned} shown',
  'planner.moderation.place': 'Place (latitude, longitude)',
  'planner.login': 'Log in',
  'planner.login.name': 'User name',
  'planner.login.password': 'Password',
  'planner.login.failed': 'Login failed: wrong user name or password.',
  'planner.logout': 'Log out',
  'planner.hello': 'Logged in as {name}',
  'planner.public': 'To the public map',
  'planner.tab.review': 'Review',
  'planner.tab.moderation': 'Reports',
  'planner.tab.cases': 'Cases',
  'planner.review.intro': 'Verdicts of the latest analysis with their evidence. An override is stored as evidence with your name.',
  'planner.review.filter': 'Verdict',
  'planner.review.none': 'No verdicts found.',
  'planner.review.score': 'Score',
  'planner.review.confidence': 'Confidence',
  'planner.review.evidence': 'Evidence',
  'planner.review.override': 'Override the verdict',
  'planner.review.override.class': 'New verdict',
  'planner.review.override.note': 'Reason',
  'planner.review.override.submit': 'Save override',
  'planner.review.override.done': 'Override saved.',
  'planner.review.overridden': 'overridden',
  'planner.review.withdraw': 'Withdraw the override',
  'planner.review.withdrawn': 'Override withdrawn.',
  'planner.case.open': 'Open a case',
  'planner.case.opened': 'Case no. {id} opened.',
  'planner.case.existing': 'Open case: no. {id} ({status})',
  'planner.moderation.intro': 'New reports from citizens. Only after approval do they appear on the public map, with the approved text only.',
  'planner.moderation.none': 'No pending reports.',
  'planner.moderation.public_text': 'Public text',
  'planner.moderation.approve': 'Approve',
  'planner.moderation.reject': 'Reject',
  'planner.moderation.duplicate': 'Duplicate',
  'planner.moderation.done': 'Report no. {id}: {decision}.',
  'planner.moderation.decision.approve': 'approved',
  'planner.moderation.decision.reject': 'rejected',
  'planner.moderation.decision.duplicate': 'marked as duplicate',
  'planner.moderation.contact': 'Contact (confidential)',
  'planner.cases.intro': 'Cases and their status. Every change is logged with date, name and note.',
  'planner.cases.none': 'No cases.',
  'planner.cases.status': 'Status',
  'planner.cases.change': 'Change status',
  'planner.cases.note': 'Note',
  'planner.cases.submit': 'Save',
  'planner.cases.history': 'History',
  'planner.cases.done': 'Status saved.',
  'planner.error': 'Error: {detail}',
  'planner.unavailable': 'This part is not available on the server yet.',
  'planner.expired': 'The session has expired. Please log in again.',
  'case.new': 'new',
  'case.owner_contacted': 'owner contacted',
  'case.owner_answered': 'owner answered',
  'case.consent': 'consent to publish',
  'case.objection': 'objection',
  'case.mobilised': 'mobilised',
  'case.closed': 'closed',
  'unit.m2': '{n} m²',
  'unit.m': '{n} m',
  'unit.km': '{n} km',
  'unit.percent': '{n} %',
  'unit.eur': '€{n}',
  'land_use.AX_Wohnbauflaeche': 'Residential',
  'land_use.AX_FlaecheGemischterNutzung': 'Mixed use',
  'land_use.AX_IndustrieUndGewerbeflaeche': 'Industrial and commercial',
  'land_use.AX_FlaecheBesondererFunktionalerPraegung': 'Special functional use',
  'land_use.AX_Landwirtschaft': 'Agriculture',
  'land_use.AX_UnlandVegetationsloseFlaeche': 'Wasteland',
  'land_use.AX_SportFreizeitUndErholungsflaeche': 'Sport and recreation',
  'land_use.AX_Friedhof': 'Cemetery',
  'land_use.AX_Gehoelz': 'Copse',
  'land_use.AX_Wald': 'Forest',
  'land_use.AX_Strassenverkehr': 'Road',
  'land_use.AX_Weg': 'Path',
  'land_use.AX_Platz': 'Square',
  'land_use.AX_StehendesGewaesser': 'Standing water',
  'land_use.AX_Fliessgewaesser': 'Watercourse',
  'land_use.AX_TagebauGrubeSteinbruch': 'Open-cast mine, pit, quarry',
  'part.centre': 'Close to the town centre',
  'part.school': 'School nearby',
  'part.shop': 'Shops nearby',
  'part.transit': 'Bus and rail nearby',
  'part.road': 'Road access',
  'part.area': 'Plot size',
  'part.shape': 'Shape',
  'part.land_use': 'Use',
};

const texts = { de, en };

function chooseLanguage() {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl in texts) return fromUrl;
  try {
    const stored = localStorage.getItem('leerstand.lang');
    if (stored in texts) return stored;
  } catch { /* storage may be disabled */ }
  return 'de';
}

export const lang = chooseLanguage();
const locale = lang === 'de' ? 'de-DE' : 'en-GB';

/** The text for `key` with `{name}` placeholders filled; German when a translation is missing. */
export function t(key, params = {}) {
  const text = texts[lang][key] ?? de[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/** Whether a text exists for `key` (code lists may contain values we do not know). */
export function has(key) {
  return key in texts[lang] || key in de;
}

/** The other language, stored for the next visit; the page reloads. */
export function switchLanguage() {
  const next = lang === 'de' ? 'en' : 'de';
  try { localStorage.setItem('leerstand.lang', next); } catch { /* ignore */ }
  const url = new URL(location.href);
  url.searchParams.set('lang', next);
  location.assign(url);
}

/** Fills every `[data-i18n]` element's text and `[data-i18n-attr]` ("attr:key;attr:key"). */
export function translatePage(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

export function formatNumber(n, digits = 0) {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
}

export function formatArea(m2) {
  return m2 == null ? '–' : t('unit.m2', { n: formatNumber(Math.round(m2)) });
}

export function formatDistance(m) {
  if (m == null) return '–';
  return m < 1000 ? t('unit.m', { n: formatNumber(Math.round(m)) }) : t('unit.km', { n: formatNumber(m / 1000, 1) });
}

export function formatPercent(share, digits = 1) {
  return share == null ? '–' : t('unit.percent', { n: formatNumber(share * 100, digits) });
}

export function formatEur(n) {
  return n == null ? t('popup.price.none') : t('unit.eur', { n: formatNumber(n) });
}

/** An ISO date (YYYY-MM-DD…) as the reader writes dates; the input when it is no date. */
export function formatDate(iso) {
  if (!iso) return '–';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) return iso;
  return new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
}

export function formatCoord(v) {
  return formatNumber(v, 5);
}

/** A Flurstückskennzeichen (Land, Gemarkung, Flur, Zähler, Nenner) as people write it. */
export function formatParcel(k) {
  const m = /^(\d{2})(\d{4})(\d{3})(\d{5})(\d{4}|_{4})__$/.exec(k || '');
  if (!m) return k || '–';
  const number = m[5] === '____' ? String(+m[4]) : `${+m[4]}/${+m[5]}`;
  return t('parcel.format', { gemarkung: m[2], flur: String(+m[3]), number });
}

export function className(cls) {
  return has(`class.${cls}`) ? t(`class.${cls}`) : cls;
}

export function landUseName(code) {
  if (!code) return '–';
  return has(`land_use.${code}`) ? t(`land_use.${code}`) : code.replace(/^AX_/, '');
}
