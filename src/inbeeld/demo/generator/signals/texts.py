"""Synthetic texts (Dutch; no names, no real people): descriptions, contact details,
messages, notes and questions."""

from __future__ import annotations

DESCRIPTIONS = {
    ("school", "criminal"): (
        "Leerling verzuimt de laatste weken steeds vaker en wordt na schooltijd opgewacht door "
        "oudere jongens in een auto.",
        "Leerling heeft sinds kort twee telefoons en vertelt dat hij pakketjes rondbrengt voor "
        "iemand die hij niet wil noemen.",
        "De cijfers zijn sterk gedaald; de leerling lijkt angstig en zegt schulden te hebben bij "
        "vrienden.",
    ),
    ("school", "sexual"): (
        "Leerling heeft opeens dure kleding en een nieuwe telefoon en heeft een veel oudere "
        "vriend.",
        "Leerling is vaak moe in de les, gaat veel uit en ontwijkt vragen over het weekend.",
        "Klasgenoten vertellen dat er beelden van de leerling rondgaan en dat zij onder druk "
        "wordt gezet.",
    ),
    ("sports_club", "criminal"): (
        "Jeugdspeler komt niet meer trainen en is gezien bij het afleveren van pakketjes.",
        "Speler wordt na de training opgehaald door onbekende oudere mannen en heeft plotseling "
        "veel geld.",
        "Speler vertelt dat hij zijn bankpas heeft uitgeleend en nu onder druk wordt gezet.",
    ),
    ("sports_club", "sexual"): (
        "Speelster heeft een veel oudere vriend die haar overal naartoe brengt en haar telefoon "
        "controleert.",
    ),
    ("care", "sexual"): (
        "Cliënt vertelt over een vriend die haar met andere mannen laat afspreken en het geld "
        "houdt.",
        "Cliënt heeft tekenen van geweld en wordt voortdurend gebeld; zij wil er niet over praten.",
        "Jongvolwassene in begeleid wonen is vaak nachten weg en komt terug met dure spullen.",
    ),
    ("care", ""): (
        "Cliënt heeft geen eigen identiteitsbewijs meer en weet niet waar het verdiende geld "
        "blijft.",
        "Cliënt is geïsoleerd, heeft schulden bij degene die de reis regelde en is bang voor "
        "uitzetting.",
    ),
    ("neighbourhood_team", "labour"): (
        "Bewoners van een overvolle woning werken lange dagen in de kassen en leveren hun loon in "
        "bij de huisbaas, die ook de werkgever is.",
        "Bewoner vertelt dat zijn paspoort bij de werkgever ligt en dat hij een hoge schuld moet "
        "afbetalen.",
        "Bewoonster werkt zes dagen per week in een salon, zwart en ver onder het minimumloon.",
    ),
    ("neighbourhood_team", ""): (
        "Meerdere mensen slapen op de werkplek en mogen het pand niet zonder toestemming verlaten.",
        "Bewoner durft niet naar de huisarts; iemand anders regelt zijn huisvesting en vervoer.",
    ),
    "criminal": (
        "Jongvolwassene moet bankrekeningen en telefoonabonnementen op zijn naam zetten voor "
        "anderen.",
    ),
    "sexual": ("Zorgen over seksuele uitbuiting; meerdere signalen tegelijk gezien.",),
    "labour": ("Zorgen over de omstandigheden op het werk; meerdere signalen tegelijk gezien.",),
    "": ("Zorgen over mogelijke uitbuiting; zie de aangevinkte signalen.",),
}
DESCRIPTION_SHARE = 0.85
CONTACT_SHARE = {"public": 0.6, "link": 0.9, "account": 1.0}
CONTACT_ROLES = {
    "school": ("Mentor", "Zorgcoördinator school", "Docent"),
    "sports_club": ("Trainer", "Vertrouwenscontactpersoon"),
    "care": ("Begeleider", "Hulpverlener"),
    "neighbourhood_team": ("Wijkwerker", "Buurtcoach"),
}
CONTACT_ORGANISATIONS = {
    "school": ("Scholengemeenschap (demo)", "Vmbo-school (demo)", "Mbo-college (demo)"),
    "sports_club": ("Voetbalvereniging (demo)", "Vechtsportschool (demo)"),
    "care": ("Jeugdzorgaanbieder (demo)", "Ggz-instelling (demo)", "Opvangorganisatie (demo)"),
    "neighbourhood_team": ("Sociaal wijkteam (demo)", "Buurtteam (demo)"),
}
LINK_LABELS = (
    "Trainer voetbalvereniging (demo)",
    "Coach zwemvereniging (demo)",
    "Jeugdtrainer hockeyclub (demo)",
)
INITIALS = "ABDEFHIJKLMNRSTYZ"
MESSAGES = {
    "in_triage": ("Uw signaal is in behandeling genomen.",),
    "referred_care": (
        "Wij hebben uw signaal doorgezet naar de zorg in de regio. Dank voor uw melding.",
        "Een hulpverlener neemt contact op met de betrokkene.",
    ),
    "referred_police": ("Uw signaal is doorgegeven aan de politie (AVIM).",),
    "advice_given": (
        "Blijf in gesprek met de betrokkene en meld nieuwe signalen direct.",
        "Wij hebben u gebeld met advies over de volgende stappen.",
    ),
    "no_action": (
        "Op basis van deze informatie ondernemen wij nu geen actie. Meld het opnieuw als u meer "
        "ziet.",
    ),
    "converted": ("Uw signaal is opgepakt in de keten. Dank voor uw melding.",),
}
NOTES = {
    "referred_care": ("Overgedragen aan de zorgcoördinator; veiligheidsinschatting volgt.",),
    "referred_police": ("Besproken met AVIM; de politie neemt contact op.",),
    "advice_given": ("Signaalgever telefonisch geadviseerd; nu geen directe aanwijzingen.",),
    "no_action": ("Besproken in het triageoverleg.",),
}
OTHER_REASON_NOTES = (
    "Betrokkene is naar het buitenland vertrokken; geen contact mogelijk.",
    "Het signaal gaat over een situatie die al jaren voorbij is.",
)
REOPEN_NOTE = "Nieuwe informatie van de signaalgever; opnieuw in triage."
REROUTE_REASONS = (
    "De betrokkene woont in het werkgebied van een andere eenheid.",
    "Het signaal speelt in een andere regio dan gekozen.",
)
QUESTIONS = (
    ("Weet u in welke plaats de persoon woont?", "Ja, in dezelfde gemeente als wij."),
    ("Wanneer zag u dit voor het laatst?", "Afgelopen vrijdag, na schooltijd."),
    ("Kunnen wij u telefonisch bereiken voor een toelichting?", "Ja, op werkdagen overdag."),
    ("Weet de persoon zelf van uw melding?", "Nee, wij hebben het nog niet met hem besproken."),
)
