from django import forms

from operations.organizations.roles import Role


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address", help_text="They receive an e-mail with a link to this admin.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MARKETING,
                             help_text="Marketing: pages and forms. Check-in staff: the door only. "
                                       "Finance: orders and payments. Admin and owner: everything.")


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="Role")
