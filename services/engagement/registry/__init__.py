"""The unit registry (issue 14 part 2): a unit exists once, by USCC; agencies reach it
through links made by consent (proposals and invitations); clients that are not one
unit (park, group, region) with the units their engagements cover."""
