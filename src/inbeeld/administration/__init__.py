"""The admin site ("beheer"): the registrations for users, memberships, organisations and
reference data, and the mixins every app's admin pages share. Above approvals, because every
admin write is audited and a change that widens someone's reach waits for a second person."""
