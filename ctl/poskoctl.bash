# bash completion for poskoctl(1), the posko desk console.
# Installed as share/bash-completion/completions/poskoctl.
#
# Ids (shelters, incidents, depots, alerts) are completed from a running
# poskod when it answers within a second (`poskoctl --json ... list`);
# without one, only commands and options are completed.

_poskoctl_ids()
{
	# $1: list command words, $2: JSON key of the array, $3: id field
	command -v jq >/dev/null 2>&1 || return 0
	timeout 2 "${words[0]}" --timeout 1 --json $1 2>/dev/null |
		jq -r --arg a "$2" --arg k "$3" \
			'.[$a][]?[$k] | select(. != null) | tostring' 2>/dev/null
}

_poskoctl()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	local globals="--json --operator --config --control --events --lang
		--timeout --no-color --help"
	local commands="status incident shelter household checkin checkout
		transfer stock dispatch alerts report import feed watch impact plan
		help version"

	case $prev in
	--config | --footprint)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--lang)
		COMPREPLY=($(compgen -W "id en" -- "$cur"))
		return
		;;
	--level)
		COMPREPLY=($(compgen -W "minor moderate severe extreme" -- "$cur"))
		return
		;;
	--siaga)
		COMPREPLY=($(compgen -W "1 2 3 4" -- "$cur"))
		return
		;;
	--item)
		COMPREPLY=($(compgen -W "meal kit_adult kit_child kit_infant
			kit_family" -- "$cur"))
		return
		;;
	--topic)
		COMPREPLY=($(compgen -W "incident. assign.household
			unplaced.household dispatch.meals dispatch.sandang alert.
			alert.shelter alert.depot alert.shortage alert.unplaced
			alert.expiry ingest.accepted ingest.rejected" -- "$cur"))
		return
		;;
	--shelter)
		COMPREPLY=($(compgen -W "$(_poskoctl_ids 'shelter list' shelters \
			shelter)" -- "$cur"))
		return
		;;
	--incident)
		COMPREPLY=($(compgen -W "$(_poskoctl_ids 'incident list' incidents \
			incident)" -- "$cur"))
		return
		;;
	--depot)
		COMPREPLY=($(compgen -W "$(_poskoctl_ids 'stock list' depots \
			depot)" -- "$cur"))
		return
		;;
	--operator | --control | --events | --timeout | --reason | --note | \
	--title | --days | --depth-cm | --lot | --expires | --date | \
	--kelurahan | --limit | --offset | --batch | --count)
		return
		;;
	esac

	# The command and its subcommand: the first words that are not
	# global options or their values.
	local i cmd="" sub="" n=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--operator | --config | --control | --events | --lang | --timeout)
			((i++))
			continue
			;;
		-*) continue ;;
		esac
		if [[ -z $cmd ]]; then
			cmd=${words[i]}
		elif [[ -z $sub ]]; then
			sub=${words[i]}
		else
			((n++))
		fi
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	local subs="" opts="" ids=""
	case $cmd in
	incident)
		subs="submit list show update close"
		case $sub in
		submit) opts="--no-wait"
			[[ $cur != -* ]] && COMPREPLY=($(compgen -f -- "$cur")) ;;
		list) opts="--all --open --closed" ;;
		show) opts="--source"
			ids=$(_poskoctl_ids 'incident list --all' incidents incident) ;;
		update) opts="--siaga --depth-cm --level --evacuate --days --title
			--footprint --no-wait"
			ids=$(_poskoctl_ids 'incident list' incidents incident) ;;
		close) opts="--reason --no-wait"
			ids=$(_poskoctl_ids 'incident list' incidents incident) ;;
		esac
		;;
	shelter)
		subs="list show open close set-capacity"
		case $sub in
		list) opts="--all --open --closed --kelurahan" ;;
		show | open | close | set-capacity)
			[[ $sub == close || $sub == set-capacity ]] && opts="--reason"
			((n == 0)) && ids=$(_poskoctl_ids 'shelter list' shelters \
				shelter) ;;
		esac
		;;
	household)
		subs="find"
		[[ $sub == find ]] && opts="--kelurahan --limit --offset"
		;;
	checkin)
		opts="--incident"
		((n == 0)) && [[ -n $sub ]] && ids=$(_poskoctl_ids \
			'shelter list --open' shelters shelter)
		;;
	checkout) opts="--reason" ;;
	transfer)
		opts="--reason"
		((n == 0)) && [[ -n $sub ]] && ids=$(_poskoctl_ids \
			'shelter list --open' shelters shelter)
		;;
	stock)
		subs="list receive adjust"
		case $sub in
		list) opts="--depot --item" ;;
		receive)
			opts="--lot --expires"
			case $n in
			0) ids=$(_poskoctl_ids 'stock list' depots depot) ;;
			1) ids="meal kit_adult kit_child kit_infant kit_family" ;;
			esac
			;;
		adjust)
			opts="--reason"
			((n == 0)) && ids=$(_poskoctl_ids 'stock list' depots depot)
			;;
		esac
		;;
	dispatch)
		subs="confirm"
		opts=""
		;;
	alerts)
		subs="ack list"
		opts="--all --open --acknowledged --cleared"
		[[ $sub == ack ]] && opts="--note" &&
			ids=$(_poskoctl_ids alerts alerts alert)
		;;
	report)
		subs="spm"
		[[ $sub == spm ]] && opts="--date --incident --csv"
		;;
	import)
		subs="households shelters depots stock flood-zones fire-zones"
		if [[ -n $sub ]]; then
			opts="--batch"
			local ext='!*.csv'
			[[ $sub == *-zones ]] && ext='!*.geojson'
			[[ $cur != -* ]] && COMPREPLY=($(compgen -f -X "$ext" -- "$cur"))
			[[ $cur != -* ]] && return
		fi
		;;
	feed)
		subs="sitrep hxl cap"
		case $sub in
		sitrep) opts="--format --out" ;;
		hxl) opts="--table --out" ;;
		cap) opts="--out" ;;
		esac
		;;
	watch)
		opts="--topic --incident --shelter --since --board --count"
		subs=""
		;;
	help)
		[[ -z $sub ]] && subs=$commands
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY+=($(compgen -W "$opts $globals" -- "$cur"))
	elif [[ -z $sub && -n $subs ]]; then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
	elif [[ -n $ids ]]; then
		COMPREPLY+=($(compgen -W "$ids" -- "$cur"))
	fi
}
complete -F _poskoctl poskoctl
